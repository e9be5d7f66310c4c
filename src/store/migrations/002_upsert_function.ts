/**
 * Migration 002: the upsert as one server-side function, so that storing a scan batch is ONE round
 * trip and one commit (`SELECT * FROM tokenradius_upsert_many($1)`), however many observations it
 * holds. Before it, every observation cost two statements (the repeat, then the first sighting) and
 * a transaction two more; each round trip costs the worker more CPU than detecting the token did.
 *
 * The statements are the ones `sql-store.ts` used to send one by one, unchanged in meaning:
 * - per observation, in the order given (the caller sorts by fingerprint so that concurrent batches
 *   lock findings in one global order and never deadlock): the repeat first — lock the finding,
 *   record the occurrence (new place, or refresh a known one; xmax = 0 tells an insert from an
 *   update), decide the change under the lock, apply it; if there is no finding yet, the first
 *   sighting; of any number of concurrent first sightings exactly one inserts and the others, seeing
 *   the conflict, go round again as repeats (READ COMMITTED: each statement sees a fresh snapshot);
 * - three rounds at most, then SQLSTATE 40001 (the store maps it to STORE_UNAVAILABLE, retry later).
 *
 * Input: a JSON array of observations, each a JSON array of the 34 values `upsertRow` builds
 * (sql-store.ts): [0] index echoed back, then the upsert parameters in the documented order. jsonb
 * values travel as JSON (null = SQL NULL). Output: one row per observation (index, change, version).
 */
export const name = 'upsert_function';

export const sql = /* sql */ `
CREATE FUNCTION tokenradius_upsert_many(batch jsonb)
RETURNS TABLE (o_idx integer, o_change text, o_version integer)
LANGUAGE plpgsql
AS $fn$
DECLARE
  ob jsonb;
  attempt integer;
  stored boolean;
  found_change text;
  found_version integer;
  n_inserted integer;
  p_fp text; p_rule text; p_kind text; p_redacted text; p_header jsonb; p_claims jsonb; p_masked jsonb;
  p_jwt_form text; p_profile jsonb; p_issuer text; p_issuer_family text; p_tenants text[]; p_liveness jsonb;
  p_liveness_state text; p_score double precision; p_severity text; p_severity_rank smallint; p_factors jsonb;
  p_exposure_rank smallint; p_source text; p_seen_at timestamptz; p_last_seen timestamptz; p_location_key text;
  p_locator_kind text; p_locator jsonb; p_exposure jsonb; p_author text; p_at text; p_search_text text;
  p_sealed text; p_key_id text; p_sealed_expiry timestamptz; p_now timestamptz;
BEGIN
  FOR ob IN SELECT value FROM jsonb_array_elements(batch) LOOP
    p_fp := ob->>1; p_rule := ob->>2; p_kind := ob->>3; p_redacted := ob->>4;
    p_header := NULLIF(ob->5, 'null'::jsonb); p_claims := NULLIF(ob->6, 'null'::jsonb); p_masked := NULLIF(ob->7, 'null'::jsonb);
    p_jwt_form := ob->>8; p_profile := NULLIF(ob->9, 'null'::jsonb); p_issuer := ob->>10; p_issuer_family := ob->>11;
    p_tenants := ARRAY(SELECT jsonb_array_elements_text(ob->12));
    p_liveness := ob->13; p_liveness_state := ob->>14; p_score := (ob->>15)::double precision; p_severity := ob->>16;
    p_severity_rank := (ob->>17)::smallint; p_factors := ob->18; p_exposure_rank := (ob->>19)::smallint;
    p_source := ob->>20; p_seen_at := (ob->>21)::timestamptz; p_last_seen := (ob->>22)::timestamptz;
    p_location_key := ob->>23; p_locator_kind := ob->>24; p_locator := ob->25; p_exposure := NULLIF(ob->26, 'null'::jsonb);
    p_author := ob->>27; p_at := ob->>28; p_search_text := ob->>29;
    p_sealed := ob->>30; p_key_id := ob->>31; p_sealed_expiry := (ob->>32)::timestamptz; p_now := (ob->>33)::timestamptz;

    stored := false;
    FOR attempt IN 1..3 LOOP
      -- The repeat.
      WITH cur AS (
        SELECT f0.fingerprint, f0.status, f0.severity_rank, f0.liveness_state, f0.exposure_rank FROM findings f0 WHERE f0.fingerprint = p_fp FOR UPDATE
      ), occ AS (
        INSERT INTO occurrences AS oc (fingerprint, location_key, source, kind, locator, exposure, author, at, search_text, first_seen, last_seen)
        SELECT cur.fingerprint, p_location_key, p_source, p_locator_kind, p_locator, p_exposure, p_author, p_at, p_search_text, p_seen_at, p_last_seen FROM cur
        ON CONFLICT (fingerprint, location_key) DO UPDATE SET last_seen = GREATEST(oc.last_seen, EXCLUDED.last_seen),
          locator = EXCLUDED.locator, exposure = COALESCE(EXCLUDED.exposure, oc.exposure), search_text = EXCLUDED.search_text
        RETURNING (oc.xmax = 0) AS inserted
      ), calc AS (
        SELECT cur.status, CASE
            WHEN cur.status = 'false-positive' THEN 'suppressed'
            WHEN p_severity_rank > cur.severity_rank THEN 'worse'
            WHEN p_liveness_state <> cur.liveness_state OR p_exposure_rank > cur.exposure_rank THEN 'changed'
            ELSE 'unchanged' END AS change
        FROM cur
      ), upd AS (
        UPDATE findings f SET rule = p_rule, kind = p_kind, redacted = p_redacted, header = p_header, claims = p_claims, masked_claims = p_masked,
          jwt_form = p_jwt_form, profile = p_profile, issuer = p_issuer, issuer_family = p_issuer_family, tenants = p_tenants, liveness = p_liveness,
          liveness_state = p_liveness_state, score = p_score, severity = p_severity, severity_rank = p_severity_rank, factors = p_factors,
          exposure_rank = GREATEST(f.exposure_rank, p_exposure_rank),
          sources = CASE WHEN p_source = ANY(f.sources) THEN f.sources ELSE array_append(f.sources, p_source) END,
          occurrence_count = f.occurrence_count + (SELECT count(*)::int FROM occ WHERE occ.inserted),
          last_seen = GREATEST(f.last_seen, p_last_seen),
          version = f.version + CASE WHEN calc.change IN ('worse', 'changed') THEN 1 ELSE 0 END
        FROM calc WHERE f.fingerprint = p_fp
        RETURNING f.version AS new_version, calc.change AS change, calc.status AS status
      ), s AS (
        INSERT INTO sealed_tokens (fingerprint, sealed, key_id, expires_at, created_at)
        SELECT p_fp, p_sealed, p_key_id, p_sealed_expiry, p_now FROM upd
        WHERE p_sealed IS NOT NULL AND upd.status NOT IN ('false-positive', 'revoked')
        ON CONFLICT (fingerprint) DO NOTHING
      )
      SELECT upd.change, upd.new_version INTO found_change, found_version FROM upd;
      IF found_change IS NOT NULL THEN
        o_idx := (ob->>0)::integer; o_change := found_change; o_version := found_version;
        RETURN NEXT;
        stored := true;
        EXIT;
      END IF;

      -- The first sighting.
      WITH f AS (
        INSERT INTO findings (fingerprint, rule, kind, redacted, header, claims, masked_claims, jwt_form, profile, issuer, issuer_family,
          tenants, liveness, liveness_state, score, severity, severity_rank, factors, exposure_rank, sources, occurrence_count, status,
          status_changed_at, version, first_seen, last_seen)
        VALUES (p_fp, p_rule, p_kind, p_redacted, p_header, p_claims, p_masked, p_jwt_form, p_profile, p_issuer, p_issuer_family,
          p_tenants, p_liveness, p_liveness_state, p_score, p_severity, p_severity_rank, p_factors, p_exposure_rank, ARRAY[p_source], 1, 'open',
          p_seen_at, 1, p_seen_at, p_last_seen)
        ON CONFLICT (fingerprint) DO NOTHING
        RETURNING findings.fingerprint
      ), o AS (
        INSERT INTO occurrences (fingerprint, location_key, source, kind, locator, exposure, author, at, search_text, first_seen, last_seen)
        SELECT f.fingerprint, p_location_key, p_source, p_locator_kind, p_locator, p_exposure, p_author, p_at, p_search_text, p_seen_at, p_last_seen FROM f
      ), s AS (
        INSERT INTO sealed_tokens (fingerprint, sealed, key_id, expires_at, created_at)
        SELECT f.fingerprint, p_sealed, p_key_id, p_sealed_expiry, p_now FROM f WHERE p_sealed IS NOT NULL
      )
      SELECT count(*)::int INTO n_inserted FROM f;
      IF n_inserted > 0 THEN
        o_idx := (ob->>0)::integer; o_change := 'new'; o_version := 1;
        RETURN NEXT;
        stored := true;
        EXIT;
      END IF;
    END LOOP;
    IF NOT stored THEN
      RAISE EXCEPTION 'finding changed repeatedly during upsert; retry' USING ERRCODE = '40001';
    END IF;
  END LOOP;
END
$fn$;
`;

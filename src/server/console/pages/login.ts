/** Sign-in page: one labelled password field for the API key (never echoed back, never autocompleted). */
import { html } from '../html.js';
import { CONSOLE_PREFIX, page } from '../layout.js';

export function loginPage(o: { csrf: string; next?: string; error?: string; status?: 'signed-out' }): string {
  const body = html`<section class="login" aria-labelledby="login-title">
  <h1 id="login-title">Sign in to tokenradius</h1>
  ${o.status === 'signed-out' ? html`<p class="notice success" role="status">You are signed out.</p>` : ''}
  ${o.error ? html`<p class="notice error" role="alert" id="login-error">${o.error}</p>` : ''}
  <form method="post" action="${CONSOLE_PREFIX}/login">
    <input type="hidden" name="_csrf" value="${o.csrf}">
    ${o.next ? html`<input type="hidden" name="next" value="${o.next}">` : ''}
    <div>
      <label for="key">API key</label>
      <input id="key" name="key" type="password" autocomplete="off" spellcheck="false" required
        aria-describedby="key-help${o.error ? ' login-error' : ''}" ${o.error ? html`aria-invalid="true"` : ''} autofocus>
      <p id="key-help" class="muted">A key starts with <code>trk_</code>. Create one on the server with
        <code>tokenradius keys create --role responder</code>; the first start of <code>tokenradius serve</code> printed an admin key.</p>
    </div>
    <button type="submit">Sign in</button>
  </form>
</section>`;
  return page({ title: 'Sign in', body });
}

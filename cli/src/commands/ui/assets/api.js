// Talking to the console's JSON API: the bearer token (when the console needs one) from the
// tab's session storage, writes as POST with JSON and the X-Events-UI header, and errors as
// exceptions carrying the server's message and hint.

const TOKEN_KEY = 'events-ui-token';

export class ApiError extends Error {
  constructor(status, message, hint) {
    super(message);
    this.status = status;
    this.hint = hint;
  }
}

function headers(extra = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { ...extra, Authorization: `Bearer ${token}` } : extra;
}

async function call(path, options) {
  const response = await fetch(path, { cache: 'no-store', ...options });
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = null; }
  if (!response.ok) {
    if (response.status === 401) window.dispatchEvent(new CustomEvent('token-needed'));
    throw new ApiError(response.status, body?.error || `${response.status} ${response.statusText}`, body?.hint);
  }
  return body;
}

export function get(path) {
  return call(path, { headers: headers() });
}

export function post(path, body) {
  return call(path, {
    method: 'POST',
    headers: headers({ 'Content-Type': 'application/json', 'X-Events-UI': '1' }),
    body: JSON.stringify(body),
  });
}

export function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

// The text of an error for people: the message, and the hint when there is one.
export function explain(error) {
  return error.hint ? `${error.message} (${error.hint})` : error.message;
}

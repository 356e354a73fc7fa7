/**
 * The explorer's own browser script, served as /explorer/explorer.js (a file of the gateway's origin,
 * so the page's Content-Security-Policy needs no inline script). It reads the page's JSON config and
 * renders GraphiQL from the React and GraphiQL UMD builds loaded before it.
 *
 * GraphiQL keeps headers per tab and introspects once, at start. So that one credential serves every
 * saved tab and the docs appear as soon as it is typed: the fetcher remembers the last real
 * Authorization / X-API-Key typed in any tab and uses it for tabs that have none, and a new
 * credential makes a new fetcher, which makes GraphiQL introspect again.
 */
export const EXPLORER_SCRIPT = String.raw`"use strict";
(function () {
  var config = JSON.parse(document.getElementById("explorer-config").textContent);
  var CREDENTIAL = /^(authorization|x-api-key)$/i;
  var remembered = {};

  function isPlaceholder(value) {
    return typeof value !== "string" || value.trim() === "" || value.indexOf("<") !== -1;
  }

  function parseHeaders(text) {
    try {
      var parsed = JSON.parse(text || "{}");
      return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : {};
    } catch (error) {
      return null;
    }
  }

  /** Keeps the real credentials of a headers text; returns true when they changed. */
  function rememberCredentials(text) {
    var headers = parseHeaders(text);
    if (!headers) return false;
    var found = {};
    Object.keys(headers).forEach(function (name) {
      if (CREDENTIAL.test(name) && !isPlaceholder(headers[name])) found[name] = String(headers[name]);
    });
    if (Object.keys(found).length === 0 || JSON.stringify(found) === JSON.stringify(remembered)) return false;
    remembered = found;
    return true;
  }

  /** POSTs JSON to the gateway: a JSON content-type passes Apollo's CSRF prevention. */
  function createFetcher() {
    return function (params, options) {
      var headers = { "content-type": "application/json", accept: "application/json" };
      var own = (options && options.headers) || {};
      Object.keys(own).forEach(function (name) {
        if (!(CREDENTIAL.test(name) && isPlaceholder(own[name]))) headers[name] = String(own[name]);
      });
      var hasCredential = Object.keys(headers).some(function (name) { return CREDENTIAL.test(name); });
      if (!hasCredential && Object.keys(remembered).length === 0) {
        // The gateway would answer 401: say what to do, without a request.
        return Promise.resolve({ errors: [{ message: config.credentialHint, extensions: { code: "UNAUTHENTICATED" } }] });
      }
      if (!hasCredential) Object.assign(headers, remembered);
      return fetch(config.endpoint, { method: "POST", headers: headers, body: JSON.stringify(params), credentials: "omit" })
        .then(function (response) { return response.json(); });
    };
  }

  function Explorer() {
    var state = React.useState(0);
    var generation = state[0];
    var setGeneration = state[1];
    var timer = React.useRef(undefined);
    var fetcher = React.useMemo(createFetcher, [generation]);
    function onEditHeaders(text) {
      if (!rememberCredentials(text)) return;
      clearTimeout(timer.current);
      timer.current = setTimeout(function () { setGeneration(function (g) { return g + 1; }); }, 400);
    }
    return React.createElement(
      GraphiQL,
      {
        fetcher: fetcher,
        defaultTabs: config.tabs.map(function (tab) { return { query: tab.query, variables: tab.variables, headers: config.defaultHeaders }; }),
        defaultHeaders: config.defaultHeaders,
        defaultEditorToolsVisibility: "headers",
        shouldPersistHeaders: false,
        onEditHeaders: onEditHeaders,
      },
      React.createElement(GraphiQL.Logo, null, "casegraph"),
    );
  }

  ReactDOM.createRoot(document.getElementById("explorer")).render(React.createElement(Explorer));
})();
`;

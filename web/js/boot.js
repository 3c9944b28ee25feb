// A classic (non-module) script that runs even where the app's modules fail
// to load or to start: after a while, a page still saying "Loading…" says
// why instead, rather than staying blank.
window.setTimeout(function () {
  var view = document.getElementById('view');
  if (view && view.getAttribute('data-loading') !== null) {
    view.textContent = 'The app did not start. Check the connection to the server and reload the page; '
      + 'if it persists, this browser may be too old (Parley needs Ed25519 in WebCrypto and ES modules).';
    view.className = 'notice error';
  }
}, 8000);

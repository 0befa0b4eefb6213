// Runs before the first paint (a classic script in <head>) so a dark-mode user never sees
// a white flash. theme.js takes over once the page has loaded.
(function () {
  var choice = 'system';
  try {
    choice = localStorage.getItem('askdb.theme') || 'system';
  } catch (e) {
    // Storage blocked: follow the system.
  }
  var dark = choice === 'dark' ||
    (choice !== 'light' && window.matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
})();

// The sign-in screen (auth "local"). It covers the page without clearing it, so a question
// typed before the session ran out is still in the box after signing in again.

export class LoginScreen {
  // elements: {overlay, form, user, password, error, submit, note}
  constructor(elements, { api }) {
    Object.assign(this, elements);
    this.api = api;
    this.pending = null;
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submitForm();
    });
  }

  // Shows the form; resolves with the user name once signed in. Calls made while it is
  // already shown share the same promise.
  ask(note = '') {
    if (!this.pending) {
      this.pending = new Promise((resolve) => {
        this.resolve = resolve;
      });
      this.error.textContent = '';
      this.password.value = '';
      this.note.textContent = note;
      this.note.hidden = !note;
      this.overlay.hidden = false;
      document.body.classList.add('login-open');
      (this.user.value ? this.password : this.user).focus();
    }
    return this.pending;
  }

  async submitForm() {
    const user = this.user.value.trim();
    const password = this.password.value;
    if (!user || !password) {
      this.error.textContent = 'Enter your user name and password.';
      (user ? this.password : this.user).focus();
      return;
    }
    this.submit.disabled = true;
    this.error.textContent = '';
    try {
      const reply = await this.api.login(user, password);
      await this.api.session(); // a new session brings a new CSRF token
      this.overlay.hidden = true;
      document.body.classList.remove('login-open');
      const resolve = this.resolve;
      this.pending = null;
      resolve((reply && reply.user) || user);
    } catch (err) {
      if (err.status === 401) this.error.textContent = 'Wrong user name or password.';
      else if (err.status === 429) this.error.textContent = `Too many sign-in attempts. ${err.retryAfter ? `Try again in ${err.retryAfter} seconds.` : 'Wait a minute, then try again.'}`;
      else this.error.textContent = err.describe ? err.describe() : String(err.message || err);
      this.password.select();
      this.password.focus();
    } finally {
      this.submit.disabled = false;
    }
  }
}

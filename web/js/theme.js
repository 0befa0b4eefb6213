// Light / dark / system theme. The choice is kept in localStorage; "system" follows
// prefers-color-scheme live. The resolved theme is <html data-theme="light|dark">, and a
// change is announced as a "askdb:themechange" event on document (charts repaint on it).

import { icon } from './icons.js';

const KEY = 'askdb.theme';
const CHOICES = ['system', 'light', 'dark'];
const LABELS = { system: 'System theme', light: 'Light theme', dark: 'Dark theme' };
const ICONS = { system: 'monitor', light: 'sun', dark: 'moon' };
const media = window.matchMedia('(prefers-color-scheme: dark)');

export function themeChoice() {
  try {
    const stored = localStorage.getItem(KEY);
    return CHOICES.includes(stored) ? stored : 'system';
  } catch {
    return 'system';
  }
}

export function resolvedTheme() {
  return document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light';
}

function apply(choice) {
  const dark = choice === 'dark' || (choice === 'system' && media.matches);
  const next = dark ? 'dark' : 'light';
  if (document.documentElement.dataset.theme === next) return;
  document.documentElement.dataset.theme = next;
  document.dispatchEvent(new CustomEvent('askdb:themechange', { detail: { theme: next } }));
}

export function setThemeChoice(choice) {
  try {
    if (choice === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
  } catch {
    // Not saved, still applied for this page.
  }
  apply(choice);
}

// Wires the theme button: each click moves system → light → dark → system.
export function initTheme(button) {
  apply(themeChoice());
  media.addEventListener('change', () => apply(themeChoice()));
  const paint = () => {
    const choice = themeChoice();
    const next = CHOICES[(CHOICES.indexOf(choice) + 1) % CHOICES.length];
    button.replaceChildren(icon(ICONS[choice]), document.createTextNode(LABELS[choice]));
    button.dataset.themeChoice = choice;
    button.setAttribute('aria-label', `${LABELS[choice]}. Switch to ${LABELS[next].toLowerCase()}`);
    button.title = `${LABELS[choice]} (click for ${LABELS[next].toLowerCase()})`;
  };
  button.addEventListener('click', () => {
    const choice = themeChoice();
    setThemeChoice(CHOICES[(CHOICES.indexOf(choice) + 1) % CHOICES.length]);
    paint();
  });
  paint();
}

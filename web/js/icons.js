// The page's icons: stroked 24×24 paths turned into inline <svg> elements, so there is
// no icon font to download and icons take the text color (currentColor).

const SVG = 'http://www.w3.org/2000/svg';

// Each icon is a list of path data; a path that starts with "F" is filled instead of stroked.
const PATHS = {
  plus: ['M12 5v14', 'M5 12h14'],
  send: ['M12 19V5', 'M5.5 11.5 12 5l6.5 6.5'],
  stop: ['FM7 7h10v10H7z'],
  menu: ['M4 7h16', 'M4 12h16', 'M4 17h16'],
  close: ['M6 6l12 12', 'M18 6 6 18'],
  trash: ['M4 7h16', 'M10 11v6', 'M14 11v6', 'M6 7l1 13h10l1-13', 'M9 7V4h6v3'],
  pencil: ['M4 20h4L19 9a2.8 2.8 0 0 0-4-4L4 16v4z', 'M13.5 6.5l4 4'],
  database: [
    'M4 6c0-1.7 3.6-3 8-3s8 1.3 8 3-3.6 3-8 3-8-1.3-8-3z',
    'M4 6v12c0 1.7 3.6 3 8 3s8-1.3 8-3V6',
    'M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3',
  ],
  sun: [
    'M12 8a4 4 0 1 0 0 8 4 4 0 1 0 0-8z',
    'M12 2v2', 'M12 20v2', 'M4.9 4.9l1.4 1.4', 'M17.7 17.7l1.4 1.4',
    'M2 12h2', 'M20 12h2', 'M4.9 19.1l1.4-1.4', 'M17.7 6.3l1.4-1.4',
  ],
  moon: ['M20 14.5A8 8 0 1 1 9.5 4a6.5 6.5 0 0 0 10.5 10.5z'],
  monitor: ['M3 5h18v11H3z', 'M8 20h8', 'M12 16v4'],
  copy: ['M9 9h11v11H9z', 'M5 15H4V4h11v1'],
  check: ['M5 12.5l4.5 4.5L19 7.5'],
  play: ['FM8 5.5v13l10.5-6.5z'],
  chevronDown: ['M6 9l6 6 6-6'],
  chevronRight: ['M9 6l6 6-6 6'],
  thumbsUp: ['M7 11v9', 'M7 11l4-8a3 3 0 0 1 3 3v4h5.2a2 2 0 0 1 2 2.3l-1.2 6.5A2 2 0 0 1 18 20H3v-9h4'],
  thumbsDown: ['M17 13V4', 'M17 13l-4 8a3 3 0 0 1-3-3v-4H4.8a2 2 0 0 1-2-2.3L4 5.2A2 2 0 0 1 6 4h15v9h-4'],
  download: ['M12 4v11', 'M7 10l5 5 5-5', 'M5 20h14'],
  chart: ['M4 20h16', 'M7 16v-5', 'M12 16V6', 'M17 16v-8'],
  table: ['M3 5h18v14H3z', 'M3 10h18', 'M3 14.5h18', 'M9 10v9'],
  alert: ['M12 3.5 21.5 20h-19z', 'M12 10v4.5', 'M12 17.2v.3'],
  refresh: ['M20 11a8 8 0 1 0-2.4 5.7', 'M20 4v7h-7'],
  logout: ['M10 4H5v16h5', 'M15 8l4 4-4 4', 'M19 12H9'],
  search: ['M11 4a7 7 0 1 0 0 14 7 7 0 1 0 0-14z', 'M20 20l-4-4'],
  verified: ['M12 3l7.5 3v5.5c0 4.6-3.1 8.2-7.5 9.5-4.4-1.3-7.5-4.9-7.5-9.5V6z', 'M8.8 12l2.2 2.2 4.3-4.4'],
  message: ['M4 5h16v11H9.5L5 20v-4H4z'],
  code: ['M9 8l-4 4 4 4', 'M15 8l4 4-4 4'],
  key: ['M8 11a4 4 0 1 0 0 8 4 4 0 1 0 0-8z', 'M10.8 12.2 19 4', 'M16 7l2.5 2.5', 'M14 9l2 2'],
  link: ['M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1', 'M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1'],
  sparkle: ['M12 3l1.8 5.2L19 10l-5.2 1.8L12 17l-1.8-5.2L5 10l5.2-1.8z', 'M19 16l.7 1.8 1.8.7-1.8.7L19 21l-.7-1.8-1.8-.7 1.8-.7z'],
};

// icon('copy') → <svg class="icon" aria-hidden="true">…</svg>
export function icon(name, { size = 16, className = '' } = {}) {
  const paths = PATHS[name];
  if (!paths) throw new Error(`unknown icon ${name}`);
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', String(size));
  svg.setAttribute('height', String(size));
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', `icon icon-${name} ${className}`.trim());
  for (const d of paths) {
    const path = document.createElementNS(SVG, 'path');
    if (d.startsWith('F')) {
      path.setAttribute('d', d.slice(1));
      path.setAttribute('fill', 'currentColor');
      path.setAttribute('stroke', 'none');
    } else {
      path.setAttribute('d', d);
    }
    svg.append(path);
  }
  return svg;
}

// Replaces every <span data-icon="name"> placeholder under root (as written in index.html)
// with its icon.
export function hydrateIcons(root = document) {
  for (const slot of root.querySelectorAll('span[data-icon]')) {
    const size = Number(slot.dataset.size) || 16;
    slot.replaceWith(icon(slot.dataset.icon, { size }));
  }
}

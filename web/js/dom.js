// Small helpers that build DOM nodes from data. Nothing here parses HTML: text always
// becomes a text node, so whatever the server sends is shown as text, never run.

const PROPERTIES = new Set(['value', 'checked', 'disabled', 'hidden', 'type', 'open']);

// h('button', {class: 'x', testid: 'send-button', onclick: fn}, 'Send', childNode)
// Props: class, text, testid, dataset {…}, on<event> functions, value/checked/disabled/
// hidden/type/open as properties; anything else becomes an attribute. null/false are skipped.
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'testid') el.dataset.testid = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (PROPERTIES.has(key)) el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

// Appends children: nodes as they are, strings and numbers as text, arrays flattened.
export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

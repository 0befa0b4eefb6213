// The little markdown an answer may use, drawn as DOM nodes (never as HTML): paragraphs,
// line breaks, **bold**, `code`, "- " / "* " bullet lists and "1. " numbered lists.
// "# Heading" lines become bold paragraphs. Everything else stays literal text.

// Inline pieces of one line: [{type: 'text'|'bold'|'code', text}].
export function parseInline(line) {
  const parts = [];
  const codeSplit = line.split(/(`[^`\n]+`)/);
  for (const piece of codeSplit) {
    if (!piece) continue;
    if (piece.length > 2 && piece.startsWith('`') && piece.endsWith('`')) {
      parts.push({ type: 'code', text: piece.slice(1, -1) });
      continue;
    }
    let last = 0;
    for (const m of piece.matchAll(/\*\*(?=\S)(.+?)\*\*/g)) {
      if (m.index > last) parts.push({ type: 'text', text: piece.slice(last, m.index) });
      parts.push({ type: 'bold', text: m[1] });
      last = m.index + m[0].length;
    }
    if (last < piece.length) parts.push({ type: 'text', text: piece.slice(last) });
  }
  return parts;
}

const BULLET = /^\s*[-*•]\s+(.*)$/;
const NUMBERED = /^\s*\d{1,3}[.)]\s+(.*)$/;
const HEADING = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/;

// Blocks of a text: [{type: 'p', lines: [string]}, {type: 'ul'|'ol', items: [string]},
// {type: 'h', text}].
export function parseBlocks(text) {
  const blocks = [];
  let current = null;
  for (const raw of String(text).replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (line.trim() === '') {
      current = null;
      continue;
    }
    const bullet = BULLET.exec(line);
    const numbered = bullet ? null : NUMBERED.exec(line);
    const heading = HEADING.exec(line);
    if (bullet || numbered) {
      const type = bullet ? 'ul' : 'ol';
      if (!current || current.type !== type) {
        current = { type, items: [] };
        blocks.push(current);
      }
      current.items.push((bullet || numbered)[1]);
    } else if (heading) {
      blocks.push({ type: 'h', text: heading[1] });
      current = null;
    } else if (current && current.type !== 'p' && /^\s+/.test(raw)) {
      // An indented line continues the list item above it.
      current.items[current.items.length - 1] += `\n${line.trim()}`;
    } else {
      if (!current || current.type !== 'p') {
        current = { type: 'p', lines: [] };
        blocks.push(current);
      }
      current.lines.push(line);
    }
  }
  return blocks;
}

function inlineNodes(text) {
  const nodes = [];
  text.split('\n').forEach((line, i) => {
    if (i > 0) nodes.push(document.createElement('br'));
    for (const part of parseInline(line)) {
      if (part.type === 'text') {
        nodes.push(document.createTextNode(part.text));
      } else {
        const el = document.createElement(part.type === 'bold' ? 'strong' : 'code');
        el.textContent = part.text;
        nodes.push(el);
      }
    }
  });
  return nodes;
}

// The answer text as a DocumentFragment.
export function renderMarkdown(text) {
  const fragment = document.createDocumentFragment();
  for (const block of parseBlocks(text)) {
    if (block.type === 'p') {
      const p = document.createElement('p');
      p.append(...inlineNodes(block.lines.join('\n')));
      fragment.append(p);
    } else if (block.type === 'h') {
      const p = document.createElement('p');
      const strong = document.createElement('strong');
      strong.append(...inlineNodes(block.text));
      p.append(strong);
      fragment.append(p);
    } else {
      const list = document.createElement(block.type);
      for (const item of block.items) {
        const li = document.createElement('li');
        li.append(...inlineNodes(item));
        list.append(li);
      }
      fragment.append(list);
    }
  }
  return fragment;
}

// A small SQL tokenizer for syntax highlighting: PostgreSQL's comments, strings (also E'…'
// and $tag$…$tag$), quoted identifiers, numbers, parameters, operators, keywords, type
// names and function calls. It only colors text; askdb's server is what parses SQL.

const KEYWORDS = new Set(`
  all analyze and any array as asc asymmetric between both by case cast check collate column
  constraint create cross cube current_date current_time current_timestamp current_user
  default delete desc distinct do else end except exists extract false fetch filter first
  following for foreign from full group grouping having ilike in inner insert intersect
  interval into is isnull join last lateral leading left like limit localtime localtimestamp
  materialized natural not notnull null nulls offset on only or order outer over partition
  preceding primary range recursive references returning right rollup row rows select
  session_user set sets similar some symmetric table tablesample then ties to trailing true
  unbounded union unique update using values view when where window with within without
  zone at day hour minute month second year week quarter epoch dow isodow
`.trim().split(/\s+/));

const TYPES = new Set(`
  bigint bigserial bit bool boolean bytea char character date decimal double float float4
  float8 int int2 int4 int8 integer json jsonb money numeric precision real serial smallint
  text time timestamp timestamptz uuid varchar varying regclass inet cidr tsvector
`.trim().split(/\s+/));

// [kind, sticky regex]; order matters.
const RULES = [
  ['space', /\s+/y],
  ['comment', /--[^\n]*/y],
  ['comment', /\/\*[\s\S]*?(?:\*\/|$)/y],
  ['string', /\$([A-Za-z_][A-Za-z0-9_]*)?\$[\s\S]*?(?:\$\1\$|$)/y],
  ['string', /[Ee]'(?:[^'\\]|\\[\s\S]|'')*(?:'|$)/y],
  ['string', /(?:[BbXxNn]|[Uu]&)?'(?:[^']|'')*(?:'|$)/y],
  ['quoted', /(?:[Uu]&)?"(?:[^"]|"")*(?:"|$)/y],
  ['param', /\$\d+/y],
  ['number', /(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y],
  ['word', /[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/y],
  ['operator', /::|<=|>=|<>|!=|\|\||->>|->|#>>|#>|@>|<@|[-+*/%<>=~!@#^&|?]/y],
  ['punct', /[(),;.[\]:]/y],
];

// tokenize("SELECT 1") → [{type: 'keyword', text: 'SELECT'}, {type: 'space', text: ' '},
// {type: 'number', text: '1'}]. Types: keyword, type, function, identifier, quoted, string,
// number, param, comment, operator, punct, space. Concatenated texts give back the input.
export function tokenize(sql) {
  const tokens = [];
  const text = String(sql);
  let pos = 0;
  while (pos < text.length) {
    let matched = null;
    let kind = null;
    for (const [k, re] of RULES) {
      re.lastIndex = pos;
      const m = re.exec(text);
      if (m && m[0].length > 0) {
        matched = m[0];
        kind = k;
        break;
      }
    }
    if (matched === null) {
      matched = text[pos];
      kind = 'punct';
    }
    if (kind === 'word') kind = classifyWord(matched, text, pos + matched.length);
    tokens.push({ type: kind, text: matched });
    pos += matched.length;
  }
  return tokens;
}

function classifyWord(word, text, end) {
  const lower = word.toLowerCase();
  const rest = text.slice(end, end + 40);
  const callsNext = /^\s*\(/.test(rest);
  if (TYPES.has(lower)) return 'type';
  if (KEYWORDS.has(lower)) return 'keyword';
  if (callsNext) return 'function';
  return 'identifier';
}

// The SQL as a fragment of <span class="tok-…"> nodes (text only).
export function highlightSql(sql) {
  const fragment = document.createDocumentFragment();
  for (const token of tokenize(sql)) {
    if (token.type === 'space' || token.type === 'identifier' || token.type === 'punct') {
      fragment.append(document.createTextNode(token.text));
    } else {
      const span = document.createElement('span');
      span.className = `tok-${token.type}`;
      span.textContent = token.text;
      fragment.append(span);
    }
  }
  return fragment;
}

-- The knowledge index, second part: distinct values of the target database's categorical text
-- columns (retrieval/value_index.h), rewritten whole each time values are indexed.
--
-- Built-in types and index methods only, so that this migration runs on any PostgreSQL 13+:
-- the pg_trgm GIN index on value_terms.folded is made by the indexing code, when the extension
-- is there (a migration that failed for want of an extension would block the whole app store).
--
-- {{schema}} stands for the quoted schema name (store.schema).

-- One row per value of a column.
CREATE TABLE {{schema}}.value_entries (
  table_schema text NOT NULL,
  table_name text NOT NULL,
  column_name text NOT NULL,
  value text NOT NULL,                       -- the exact literal, or its start when truncated
  truncated boolean NOT NULL DEFAULT false,
  folded text NOT NULL,                      -- retrieval::fold_text(value)
  PRIMARY KEY (table_schema, table_name, column_name, value)
);
-- The entries of a folded value in the order search_values() reads them: a value that thousands
-- of columns hold costs only the few entries asked for.
CREATE INDEX value_entries_folded_idx ON {{schema}}.value_entries (folded, table_schema COLLATE "C",
  table_name COLLATE "C", column_name COLLATE "C", value COLLATE "C");

-- One row per distinct folded value: what a question is matched against (a value that many
-- columns hold, 'active' or 'France', is matched once).
CREATE TABLE {{schema}}.value_terms (
  folded text PRIMARY KEY,
  words text[] NOT NULL  -- its words and their singular forms: the match without pg_trgm
);
CREATE INDEX value_terms_words_idx ON {{schema}}.value_terms USING gin (words);

-- One row: what was indexed, when, and with what.
CREATE TABLE {{schema}}.value_index_state (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  columns integer NOT NULL,
  entries integer NOT NULL,
  terms integer NOT NULL,
  trigram_schema text,  -- where pg_trgm was when the index was written; NULL: not used
  indexed_at timestamptz NOT NULL DEFAULT now()
);

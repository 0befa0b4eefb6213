-- The knowledge index, first part: the target database's tables and columns as documents for
-- full-text search (retrieval/schema_index.h). One row per table and one per column, rewritten
-- whole each time the schema is indexed; schema_terms holds how many documents each word
-- (English lexeme) is in, so that rare words count for more than common ones.
--
-- {{schema}} stands for the quoted schema name (store.schema).

CREATE TABLE {{schema}}.schema_documents (
  table_schema text NOT NULL,
  table_name text NOT NULL,
  column_name text NOT NULL DEFAULT '',  -- '' for the table's own document
  name_words text NOT NULL,              -- the table's or column's name, split into words
  detail_words text NOT NULL,            -- comment, type, keys, the names around it
  tsv_name tsvector GENERATED ALWAYS AS (to_tsvector('english', name_words)) STORED,
  tsv_detail tsvector GENERATED ALWAYS AS (to_tsvector('english', detail_words)) STORED,
  PRIMARY KEY (table_schema, table_name, column_name)
);
CREATE INDEX schema_documents_name_idx ON {{schema}}.schema_documents USING gin (tsv_name);
CREATE INDEX schema_documents_detail_idx ON {{schema}}.schema_documents USING gin (tsv_detail);

CREATE TABLE {{schema}}.schema_terms (
  word text PRIMARY KEY,
  documents integer NOT NULL  -- documents whose name or detail holds the word
);

-- One row: what was indexed, and when.
CREATE TABLE {{schema}}.schema_index_state (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  fingerprint text NOT NULL,  -- retrieval::catalog_fingerprint() of the catalog indexed
  documents integer NOT NULL,
  indexed_at timestamptz NOT NULL DEFAULT now()
);

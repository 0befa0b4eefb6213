-- The knowledge index, third part: what people taught askdb besides the catalog — verified
-- question → SQL examples and glossary notes (retrieval/knowledge_index.h) — as documents for
-- full-text search, with their embeddings; and the glossary notes added through the API and
-- `askdb note` (glossary.md's notes live in their file).
--
-- knowledge_documents holds the knowledge in use, kept by sync_knowledge_index(): new documents
-- are inserted (and only those embedded); a document no sync has held for a week is deleted
-- (another process may be using other knowledge files or another embedder meanwhile). Built-in types
-- and index methods only: pg_trgm, when the store has it, is used by the search without an
-- index of its own (a migration that failed for want of an extension would block the store).
--
-- {{schema}} stands for the quoted schema name (store.schema).

-- Notes added through POST /api/v1/notes and `askdb note`; one per term, whatever its case (a
-- note added again replaces the old one). They join glossary.md's notes, and win over a file
-- note of the same term.
CREATE TABLE {{schema}}.glossary_notes (
  term text NOT NULL CHECK (term <> ''),
  text text NOT NULL CHECK (text <> ''),
  created_by text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now()  -- when the note was added or last replaced
);
CREATE UNIQUE INDEX glossary_notes_term_key ON {{schema}}.glossary_notes (lower(term));

-- One row per example or note in use.
CREATE TABLE {{schema}}.knowledge_documents (
  content_hash text PRIMARY KEY,  -- SHA-256 of kind, title, body and the embedder's model
  kind text NOT NULL CHECK (kind IN ('example', 'note')),
  title text NOT NULL,            -- the example's question, the note's term
  body text NOT NULL,             -- the example's SQL, the note's text
  -- What is searched, and how much a word found there counts: `words` fully (the question; the
  -- term), `weak_words` less (the words of the identifiers the example's SQL names; the note's
  -- text). English stems and the words as written ('simple'), each weighted A and D.
  words text NOT NULL,
  weak_words text NOT NULL DEFAULT '',
  tsv_english tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', words), 'A') ||
    setweight(to_tsvector('english', weak_words), 'D')) STORED,
  tsv_simple tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', words), 'A') ||
    setweight(to_tsvector('simple', weak_words), 'D')) STORED,
  embedding float4[],  -- NULL: written without an embedder, or nothing to embed
  seen_at timestamptz NOT NULL DEFAULT now()  -- last held by a sync (updated at most daily)
);
-- Without a pending list (fastupdate off): examples and notes arrive a few at a time, and a
-- search would otherwise scan every entry not yet merged into the index.
CREATE INDEX knowledge_documents_english_idx ON {{schema}}.knowledge_documents
  USING gin (tsv_english) WITH (fastupdate = off);
CREATE INDEX knowledge_documents_simple_idx ON {{schema}}.knowledge_documents
  USING gin (tsv_simple) WITH (fastupdate = off);

-- How many documents hold each English lexeme, for the search's rarity weights (log N/df):
-- among their titles' words (what a question is compared with: "how many" is common there, even
-- where the SQL of most examples reads a "returns" table), and anywhere (for a word no title
-- holds). Rewritten by each sync that changed the documents.
CREATE TABLE {{schema}}.knowledge_terms (
  word text PRIMARY KEY,
  documents integer NOT NULL,  -- documents holding it anywhere
  titles integer NOT NULL      -- documents holding it in `words` (weight A)
);

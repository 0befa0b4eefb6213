-- The knowledge index, second part: each schema document's embedding (retrieval/schema_vectors.h)
-- and its words unstemmed. The embedding is written by write_schema_index() with the embedder
-- named in schema_index_state, and searched in process. A plain float4[] so that it works
-- without pgvector (not packaged for Debian 12).
--
-- {{schema}} stands for the quoted schema name (store.schema).

ALTER TABLE {{schema}}.schema_documents ADD COLUMN embedding float4[];  -- NULL: not embedded

-- The embedder's model() the vectors came from ("" when none): a question must be embedded by
-- the same one.
ALTER TABLE {{schema}}.schema_index_state ADD COLUMN embedding_model text NOT NULL DEFAULT '';

-- The same words as written, unstemmed ('simple'), next to the English stems of 0002: a word
-- found as the question writes it ("departing") counts for more than one that only shares a
-- stem with it ("departments").
ALTER TABLE {{schema}}.schema_documents
  ADD COLUMN tsv_name_simple tsvector GENERATED ALWAYS AS (to_tsvector('simple', name_words)) STORED,
  ADD COLUMN tsv_detail_simple tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', detail_words)) STORED;

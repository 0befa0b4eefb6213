-- askdb's app store, first version: accounts and their login sessions, conversations and their
-- messages, feedback on messages, and verified question → SQL examples.
--
-- {{schema}} stands for the quoted schema name (store.schema); migrate() replaces it and runs
-- this file in one transaction. Ids are UUIDs; times are timestamptz. `owner` is the user name
-- a conversation belongs to ('' when the server runs with auth = none); every read and write
-- of conversations, messages and feedback is scoped by it.

-- Accounts for auth = local (askdb users add). Proxy-authenticated users have no row here.
CREATE TABLE {{schema}}.users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL UNIQUE CHECK (name <> ''),
  password_hash text NOT NULL,  -- argon2id PHC string
  created_at timestamptz NOT NULL DEFAULT now(),
  disabled boolean NOT NULL DEFAULT false
);

-- Login sessions. Only the SHA-256 of the cookie's token is stored, so a leaked table does not
-- let anyone in.
CREATE TABLE {{schema}}.sessions (
  token_hash text PRIMARY KEY,
  user_name text NOT NULL
    REFERENCES {{schema}}.users (name) ON DELETE CASCADE ON UPDATE CASCADE,
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_user_name_idx ON {{schema}}.sessions (user_name);
CREATE INDEX sessions_expires_at_idx ON {{schema}}.sessions (expires_at);

CREATE TABLE {{schema}}.conversations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner text NOT NULL,
  title text NOT NULL DEFAULT '',  -- '' until the first question names it
  -- Messages so far; also the position of the newest one (messages are never deleted alone).
  message_count integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (id, owner)  -- target of messages' (conversation_id, owner) key
);
CREATE INDEX conversations_owner_updated_at_idx ON {{schema}}.conversations (owner, updated_at DESC);

-- One question (or SQL a person wrote) and everything its answer produced. The JSON columns
-- hold the parts of docs/api.md's message of the same names; NULL where absent.
CREATE TABLE {{schema}}.messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id uuid NOT NULL,
  owner text NOT NULL,
  position integer NOT NULL,  -- 1, 2, ... within the conversation
  kind text NOT NULL CHECK (kind IN ('question', 'sql')),
  question text NOT NULL,  -- what the person typed: the question, or the SQL for kind 'sql'
  status text NOT NULL DEFAULT 'answering'
    CHECK (status IN ('answering', 'done', 'error', 'interrupted')),
  sql text,
  columns jsonb,
  rows jsonb,
  row_count bigint,
  truncated boolean,
  chart jsonb,
  answer text,
  attempts jsonb,
  timings_ms jsonb,
  tokens jsonb,
  verified_match jsonb,
  error jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,  -- set when the status leaves 'answering'
  UNIQUE (conversation_id, position),
  FOREIGN KEY (conversation_id, owner)
    REFERENCES {{schema}}.conversations (id, owner) ON DELETE CASCADE ON UPDATE CASCADE
);

-- One rating per message, by the message's owner.
CREATE TABLE {{schema}}.feedback (
  message_id uuid PRIMARY KEY REFERENCES {{schema}}.messages (id) ON DELETE CASCADE,
  owner text NOT NULL,
  rating text NOT NULL CHECK (rating IN ('up', 'down')),
  comment text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Question → SQL pairs later questions are matched against: from a thumbs up ('feedback', tied
-- to its message and withdrawn with it), imported from examples ('learn') or the API ('api').
CREATE TABLE {{schema}}.verified_examples (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  question text NOT NULL CHECK (question <> ''),
  sql text NOT NULL CHECK (sql <> ''),
  source text NOT NULL CHECK (source IN ('feedback', 'learn', 'api')),
  message_id uuid REFERENCES {{schema}}.messages (id) ON DELETE CASCADE,
  created_by text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX verified_examples_message_id_key
  ON {{schema}}.verified_examples (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX verified_examples_created_at_idx ON {{schema}}.verified_examples (created_at DESC);

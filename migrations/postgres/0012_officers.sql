-- Counter officers' accounts for the desk (/desk/), separate from API keys:
-- an Argon2id hash of the password (never the password), a count of failed
-- sign-ins that locks the account for a while, and sessions kept here so any
-- instance can serve them. A session's token is stored as its SHA-256.

CREATE TABLE officers (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE,
    full_name       TEXT NOT NULL,           -- personal data
    role            TEXT NOT NULL,
    password_hash   TEXT NOT NULL,           -- Argon2id, PHC string
    failed_sign_ins BIGINT NOT NULL DEFAULT 0,
    locked_until    TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    disabled_at     TIMESTAMPTZ
);

CREATE TABLE desk_sessions (
    token_hash   TEXT PRIMARY KEY,           -- SHA-256 hex of the cookie's token
    officer_id   BIGINT NOT NULL REFERENCES officers (id),
    csrf         TEXT NOT NULL,              -- the token every form of this session carries
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX desk_sessions_officer ON desk_sessions (officer_id);

-- Single sign-on sign-ins in flight, from the redirect to the identity
-- provider to its callback (at most 10 minutes). Found by the SHA-256 of
-- their `state`, bound to the browser that started them by the SHA-256 of a
-- cookie it holds; each is taken (deleted) by its callback, so it works once.
CREATE TABLE sso_flow (
    state_hash    TEXT   PRIMARY KEY,
    binding_hash  TEXT   NOT NULL,
    nonce         TEXT   NOT NULL,
    pkce_verifier TEXT   NOT NULL,
    next          TEXT   NOT NULL,
    created_at    BIGINT NOT NULL
);

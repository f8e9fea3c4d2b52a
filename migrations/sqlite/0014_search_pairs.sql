-- PostgreSQL only (its index of adjacent word pairs for phrases); FTS5
-- finds phrases from its own positions. Kept so both backends number their
-- migrations alike.
SELECT 1;

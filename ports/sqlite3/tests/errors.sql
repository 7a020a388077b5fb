-- Statements that fail; the shell reports each on stderr and goes on to the
-- next. Nothing here prints on stdout, so the order of the two streams,
-- which a console merges, is never in question.
CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT NOT NULL UNIQUE, c INTEGER CHECK (c > 0));
SELECT * FROM nope;
SELEC 1;
INSERT INTO t VALUES (1, NULL, 1);
INSERT INTO t VALUES (1, 'x', 1);
INSERT INTO t VALUES (1, 'x', 1);
INSERT INTO t VALUES (2, 'y', -1);
INSERT INTO t VALUES (3, 'x', 5);
SELECT json('{not json');
SELECT no_such_function(1);
SELECT a FROM t WHERE b = ;
.no_such_command
CREATE TABLE t(z);

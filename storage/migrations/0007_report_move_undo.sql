-- A staff move undone within [reports] undo_minutes is undone by a move back, which names the
-- move it undoes: the history keeps both, and exports count neither.
ALTER TABLE report_moves ADD COLUMN undoes INTEGER REFERENCES report_moves(id);

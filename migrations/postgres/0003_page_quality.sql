-- The counter's quality verdict for each page (JSON: dpi, dpi_estimated, blank).
ALTER TABLE pages ADD COLUMN quality TEXT;

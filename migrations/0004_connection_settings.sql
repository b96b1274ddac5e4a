-- A connection's own settings (capture mode, guards, time zone, …) as one JSON document, validated
-- by the config schema's connection part whether it came from the YAML file or the UI.
ALTER TABLE connections ADD COLUMN settings TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings));

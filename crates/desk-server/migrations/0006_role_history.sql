-- Every version of every role definition and layout, as stored: written by triggers, so that no
-- way of changing a definition or a layout can skip it. The rows of before this migration are
-- their first entries.
CREATE TABLE role_definition_history (
    role       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    definition TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (role, version)
);
INSERT INTO role_definition_history SELECT role, version, definition, updated_at, updated_by
    FROM role_definitions;
CREATE TRIGGER role_definition_inserted AFTER INSERT ON role_definitions BEGIN
    INSERT INTO role_definition_history
        VALUES (NEW.role, NEW.version, NEW.definition, NEW.updated_at, NEW.updated_by);
END;
CREATE TRIGGER role_definition_updated AFTER UPDATE ON role_definitions BEGIN
    INSERT INTO role_definition_history
        VALUES (NEW.role, NEW.version, NEW.definition, NEW.updated_at, NEW.updated_by);
END;

CREATE TABLE layout_history (
    role       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    layout     TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (role, version)
);
INSERT INTO layout_history SELECT role, version, layout, updated_at, updated_by FROM layouts;
CREATE TRIGGER layout_inserted AFTER INSERT ON layouts BEGIN
    INSERT INTO layout_history
        VALUES (NEW.role, NEW.version, NEW.layout, NEW.updated_at, NEW.updated_by);
END;
CREATE TRIGGER layout_updated AFTER UPDATE ON layouts BEGIN
    INSERT INTO layout_history
        VALUES (NEW.role, NEW.version, NEW.layout, NEW.updated_at, NEW.updated_by);
END;

-- m0004: the legacy system's whole Cat -> CSI division table (107 Cats; m0001 seeded only the
-- 15 the spec names, the same values), so that a real export's items get their division:
-- of the 17,386 items of a real Golden PETL export, 5,784 matched the 15 and the rest had no
-- division_code. Rows an operator added or changed since are kept.
INSERT INTO cat_division (cat, division_code) VALUES
    ('ACC', '13'), ('ACT', '09'), ('AMA', '11'), ('ANT', '12'), ('APM', '15'), ('APP', '11'), ('APS', '11'), ('ARC', '12'),
    ('ART', '12'), ('AWN', '13'), ('BGE', '11'), ('BMP', '12'), ('CAB', '06'), ('CAP', '01'), ('CAS', '01'), ('CCE', '16'),
    ('CDC', '01'), ('CEL', '01'), ('CGN', '01'), ('CHF', '01'), ('CLH', '01'), ('CLM', '01'), ('CLN', '01'), ('CMP', '16'),
    ('CNC', '03'), ('CON', '01'), ('CPS', '01'), ('CRD', '01'), ('CUP', '01'), ('CWH', '01'), ('DMO', '02'), ('DOC', '10'),
    ('DOR', '08'), ('DRY', '09'), ('ELC', '16'), ('ELE', '16'), ('ELS', '16'), ('EQA', '11'), ('EQC', '11'), ('EXC', '02'),
    ('FCC', '09'), ('FCR', '09'), ('FCS', '09'), ('FCT', '09'), ('FCV', '09'), ('FCW', '09'), ('FEC', '01'), ('FEE', '01'),
    ('FEN', '05'), ('FNC', '06'), ('FNH', '10'), ('FPL', '13'), ('FPS', '10'), ('FRM', '06'), ('FRN', '12'), ('GLS', '08'),
    ('GUN', '11'), ('HDF', '12'), ('HLT', '11'), ('HMR', '01'), ('HOB', '12'), ('HSW', '12'), ('HVC', '15'), ('INF', '12'),
    ('INS', '07'), ('LAB', '01'), ('LIT', '16'), ('LND', '02'), ('MAS', '04'), ('MBL', '04'), ('MPR', '07'), ('MSD', '08'),
    ('MSK', '13'), ('MTL', '05'), ('ORI', '05'), ('PER', '09'), ('PLA', '09'), ('PLM', '15'), ('PNL', '09'), ('PNT', '09'),
    ('POL', '13'), ('RFG', '07'), ('SCF', '01'), ('SDG', '07'), ('SFG', '07'), ('SPE', '11'), ('STJ', '05'), ('STL', '05'),
    ('STR', '06'), ('STU', '09'), ('TBA', '10'), ('TCR', '01'), ('TIL', '09'), ('TMB', '06'), ('TMP', '01'), ('USR', '01'),
    ('VTC', '01'), ('WDA', '08'), ('WDP', '08'), ('WDR', '08'), ('WDS', '08'), ('WDT', '12'), ('WDV', '08'), ('WDW', '08'),
    ('WPR', '09'), ('WTR', '01'), ('XST', '13')
ON CONFLICT (cat) DO NOTHING;

-- Items imported before this migration get the division they would have had, where they
-- have none (legacy rule: trimmed, upper-cased Cat). Carried-forward items of later merges
-- then keep it.
UPDATE price_list_item i SET division_code = d.division_code
FROM cat_division d
WHERE i.division_code IS NULL AND upper(btrim(i.cat)) = upper(btrim(d.cat));

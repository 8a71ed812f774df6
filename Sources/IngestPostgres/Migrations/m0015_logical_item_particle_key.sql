-- m0015_logical_item_particle_key: a logical item's particle must belong to the item's project,
-- through one foreign key instead of two.
--
-- sow_logical_item had a key to project (project_id) and one to project_particle
-- (project_particle_id), and nothing said that the particle was one of the project's. Each key
-- is checked row by row when logical items are inserted, and every XACT raw import inserts one
-- per new line: for 300k lines the two checks took 1.7 s of the 2.9 s statement. The key
-- (project_id, project_particle_id) to project_particle (project_id, id) says both at once,
-- and more: the project exists because the particle's own key to project says so, and a
-- particle of another project is refused. It is checked once per row.
--
-- Deleting a project that still has logical items stays refused (its particles are still
-- there, and they reference it), as does deleting a particle that logical items name.
ALTER TABLE project_particle ADD CONSTRAINT project_particle_project_id_id_key UNIQUE (project_id, id);

ALTER TABLE sow_logical_item
    ADD CONSTRAINT sow_logical_item_project_particle_fkey
        FOREIGN KEY (project_id, project_particle_id) REFERENCES project_particle (project_id, id),
    DROP CONSTRAINT sow_logical_item_project_id_fkey,
    DROP CONSTRAINT sow_logical_item_project_particle_id_fkey;

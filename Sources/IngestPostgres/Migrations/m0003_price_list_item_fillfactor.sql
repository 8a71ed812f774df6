-- m0003: room on each page of price_list_item for its line-numbering update.
--
-- A Golden PETL revision's `line_no` depends on the whole list (spec §4.3 step 5: the sort of
-- all final items), so finalize writes every item of the new revision once more. With full
-- pages each of those row versions goes to another page and needs a new entry in each of the
-- table's 7 indexes; with half the page kept free the new version stays on its page and the
-- update is HOT (heap only, `line_no` is in no index). `scripts/bench golden-petl`, 465k
-- items: the numbering went from 23 s to 7 s. The price is disk: a revision's pages hold half
-- as many rows until the update fills them. Applies to pages written from now on.
ALTER TABLE price_list_item SET (fillfactor = 50);

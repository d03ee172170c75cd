//! Name index, scorer, explanations and exposure paths over the entity graph

/* export.h — a model in other tools' formats: pprof (profile.proto, gzipped), folded stacks, JSON. */
#ifndef MEMLENS_CORE_EXPORT_H
#define MEMLENS_CORE_EXPORT_H

#include <stdio.h>

#include "core/model.h"

/* The figure a single-valued format (collapsed) carries. */
enum export_value {
	EXPORT_INUSE_SPACE,   /* live bytes */
	EXPORT_INUSE_OBJECTS, /* live blocks */
	EXPORT_ALLOC_SPACE,   /* bytes allocated */
	EXPORT_ALLOC_OBJECTS, /* allocation calls */
};

/* gzipped profile.proto with sample types alloc_objects, alloc_space, inuse_objects and
 * inuse_space, one sample per heap call site (mmap regions are not heap: left out, so the
 * totals are the report's). 0, or -1 when writing failed. */
int export_pprof(FILE *out, struct model *m);
/* One line per call site, "outermost;...;innermost VALUE", for flame-graph tools. */
int export_collapsed(FILE *out, struct model *m, enum export_value v);
/* Everything in the model (doc/export-json.md). */
int export_json(FILE *out, struct model *m);

#endif

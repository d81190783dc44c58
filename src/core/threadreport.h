/* threadreport.h — the thread dump (threads grouped by state and stack, like a Go goroutine dump) as text or JSON. */
#ifndef MEMLENS_CORE_THREADREPORT_H
#define MEMLENS_CORE_THREADREPORT_H

#include <stdio.h>

#include "core/json.h"
#include "core/model.h"

/* The region (may be NULL) lends the agent's module list to the symbolizer. */
void threadreport_text(FILE *out, struct model *m, const struct region *r);
/* The object "thread_dump" (doc/report-json.md) as a member of the object j is in. */
void threadreport_json(struct json *j, struct model *m, const struct region *r);
/* `memlens threads --json`: a document of its own with the pid, command and "thread_dump". */
void threadreport_json_document(FILE *out, struct model *m, const struct region *r);

#endif

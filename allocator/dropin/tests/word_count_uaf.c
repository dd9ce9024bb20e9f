/* SPDX-License-Identifier: BSD-3-Clause */
/* A small real program with a planted use after free: it counts the words of a generated text in a
 * linked list, drops the rare words, and then (the bug) bumps the count of a word it just freed.
 * With glibc it finishes and prints its counts, the damage unseen; the hardened drop-in stops it at
 * the next allocation that reuses the freed node, naming a write after free. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct word {
	struct word *next;
	unsigned count;
	char text[24];
};

static struct word *count_word(struct word *list, const char *text)
{
	struct word *w;

	for (w = list; w; w = w->next)
		if (!strcmp(w->text, text)) {
			w->count++;
			return list;
		}
	w = calloc(1, sizeof(*w));
	if (!w)
		exit(1);
	snprintf(w->text, sizeof(w->text), "%s", text);
	w->count = 1;
	w->next = list;
	return w;
}

/* Frees the words seen once; returns the last one freed (the planted bug keeps using it). */
static struct word *drop_rare(struct word **list)
{
	struct word *freed = NULL;

	for (struct word **at = list; *at;) {
		struct word *w = *at;

		if (w->count > 1) {
			at = &w->next;
			continue;
		}
		*at = w->next;
		free(w);
		freed = w;
	}
	return freed;
}

int main(void)
{
	struct word *list = NULL, *stale;
	char text[24];
	unsigned total = 0;

	for (unsigned i = 0; i < 2000; i++) {
		snprintf(text, sizeof(text), "w%u", (i * 7919) % (i % 3 ? 50 : 997));
		list = count_word(list, text);
	}
	stale = drop_rare(&list);
	if (stale)
		stale->count++; /* the planted use after free */
	for (unsigned i = 0; i < 100; i++) {
		snprintf(text, sizeof(text), "late%u", i);
		list = count_word(list, text);
	}
	for (struct word *w = list; w; w = w->next)
		total += w->count;
	printf("%u words counted\n", total);
	while (list) {
		struct word *next = list->next;

		free(list);
		list = next;
	}
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* The contract's situations as fuzzer coverage (contract_features.c). */
#ifndef OSMEM_FUZZ_CONTRACT_FEATURES_H
#define OSMEM_FUZZ_CONTRACT_FEATURES_H

#include "fuzz/model/model.h"

/* After the model predicted a call: counts the rule that decided it and the heap search's
 * situation. The contract oracle calls it when the fuzzer links this file (model_oracle.c
 * declares it weak). */
void contract_features_note(const struct model_outcome *out);

#endif

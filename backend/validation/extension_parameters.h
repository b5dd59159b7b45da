#pragma once

#include "common/extension_description.h"
#include "common/status.h"

#include <map>
#include <string>

namespace aegis::validation {

// Checks `params` against what `extension` describes: every key is a parameter it takes, every
// required one is present, and each value reads as its type (integer, duration, boolean, enum).
// INVALID_ARGUMENT naming the first offending key and what is expected; the extension's own
// checks of the values' meaning (a program exists, a path is absolute) come after it. Shared by
// the daemon, which runs it in every extension's validate(), and the clients, which run it before
// sending so a form can point at the field.
Status validateExtensionParameters(const ExtensionDescription &extension,
                                   const std::map<std::string, std::string> &params);

// "the process driver", "the haproxy router", "the http check": how messages name an extension.
std::string extensionPhrase(const ExtensionDescription &extension);

} // namespace aegis::validation

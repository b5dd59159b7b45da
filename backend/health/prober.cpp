#include "health/prober.h"

#include "common/input_text.h"

namespace aegis::health {

Status ProberRegistry::add(ProberFactoryPtr factory) {
    std::string kind = factory->kind();
    if (m_factories.contains(kind)) {
        return alreadyExists("a prober kind named '" + kind + "' is already registered");
    }
    m_factories.emplace(std::move(kind), std::move(factory));
    return Status::ok();
}

const ProberFactory *ProberRegistry::find(const std::string &kind) const {
    auto it = m_factories.find(kind);
    return it == m_factories.end() ? nullptr : it->second.get();
}

std::vector<const ExtensionDescription *> ProberRegistry::descriptions() const {
    std::vector<const ExtensionDescription *> result;
    for (const auto &[kind, factory] : m_factories) {
        result.push_back(&factory->describe());
    }
    return result;
}

StatusOr<ProberPtr> ProberRegistry::create(const ProbeSpec &spec,
                                           const ProberContext &context) const {
    const ProberFactory *factory = find(spec.kind);
    if (factory == nullptr) {
        std::string known;
        for (const auto &[kind, unused] : m_factories) {
            known += known.empty() ? kind : ", " + kind;
        }
        return invalidArgument("kind: unknown probe kind " + quoteInput(spec.kind) +
                               " (known: " + known + ")");
    }
    return factory->create(spec, context);
}

} // namespace aegis::health

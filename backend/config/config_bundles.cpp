#include "config/config_center.h"

#include <yaml-cpp/yaml.h>

#include <map>

// A namespace as a YAML bundle, and the changes that import one.
namespace aegis::config {

StatusOr<std::string> ConfigCenter::exportNamespace(const std::string &ns, bool includeSecrets,
                                                    store::Revision *at) const {
    if (Status s = validateNamespace(ns, "namespace"); !s.isOk()) {
        return s;
    }
    YAML::Emitter out;
    out << YAML::BeginMap << YAML::Key << "namespace" << YAML::Value << ns << YAML::Key << "items"
        << YAML::Value << YAML::BeginSeq;
    std::shared_lock lock(m_mutex);
    if (at != nullptr) {
        *at = m_revision;
    }
    const std::string prefix = ns + "/";
    for (auto it = m_items.lower_bound(prefix);
         it != m_items.end() && it->first.rfind(prefix, 0) == 0; ++it) {
        const Item &item = it->second;
        if (item.secret && !includeSecrets) {
            continue;
        }
        out << YAML::BeginMap << YAML::Key << "group" << YAML::Value << item.ref.group << YAML::Key
            << "key" << YAML::Value << item.ref.key << YAML::Key << "format" << YAML::Value
            << formatName(item.format);
        if (!item.labels.empty()) {
            out << YAML::Key << "labels" << YAML::Value << YAML::BeginMap;
            for (const auto &[name, value] : item.labels) {
                out << YAML::Key << name << YAML::Value << value;
            }
            out << YAML::EndMap;
        }
        if (!item.description.empty()) {
            out << YAML::Key << "description" << YAML::Value << item.description;
        }
        if (item.secret) {
            out << YAML::Key << "secret" << YAML::Value << true;
        }
        if (!item.schema.empty()) {
            out << YAML::Key << "schema" << YAML::Value << YAML::Literal << item.schema;
        }
        out << YAML::Key << "content" << YAML::Value << YAML::Literal << item.content
            << YAML::EndMap;
    }
    out << YAML::EndSeq << YAML::EndMap;
    return std::string(out.c_str());
}

StatusOr<std::vector<Change>>
ConfigCenter::importChanges(const std::string &ns, const std::string &yaml, int &unchanged) const {
    unchanged = 0;
    if (Status s = validateNamespace(ns, "namespace"); !s.isOk()) {
        return s;
    }
    YAML::Node bundle;
    try {
        bundle = YAML::Load(yaml);
    } catch (const YAML::Exception &error) {
        return invalidArgument("yaml: line " + std::to_string(error.mark.line + 1) + ", column " +
                               std::to_string(error.mark.column + 1) + ": " + error.msg);
    }
    if (!bundle.IsMap() || !bundle["items"] || !bundle["items"].IsSequence()) {
        return invalidArgument("yaml must be a mapping with an 'items' list (as exported)");
    }
    static const std::map<std::string, Format> kFormats = {{"text", Format::Text},
                                                           {"json", Format::Json},
                                                           {"yaml", Format::Yaml},
                                                           {"properties", Format::Properties}};
    std::vector<Change> changes;
    std::size_t index = 0;
    for (const auto &entry : bundle["items"]) {
        const std::string where = "items[" + std::to_string(index++) + "]";
        try {
            Change change;
            change.ref = {ns, entry["group"].as<std::string>(""), entry["key"].as<std::string>("")};
            const auto format = kFormats.find(entry["format"].as<std::string>("text"));
            if (format == kFormats.end()) {
                return invalidArgument(where + ".format must be text, json, yaml or properties");
            }
            change.format = format->second;
            change.content = entry["content"].as<std::string>("");
            change.updateAttributes = true;
            change.description = entry["description"].as<std::string>("");
            change.secret = entry["secret"].as<bool>(false);
            change.schema = entry["schema"].as<std::string>("");
            if (entry["labels"] && entry["labels"].IsMap()) {
                for (const auto &label : entry["labels"]) {
                    change.labels[label.first.as<std::string>()] = label.second.as<std::string>();
                }
            }
            if (Status s = validateRef(change.ref); !s.isOk()) {
                return invalidArgument(where + ": " + s.message());
            }
            const auto current = item(change.ref);
            change.baseVersion = current ? current->version : 0;
            if (current && current->content == change.content && current->format == change.format &&
                current->labels == change.labels && current->description == change.description &&
                current->secret == change.secret && current->schema == change.schema) {
                ++unchanged;
                continue;
            }
            changes.push_back(std::move(change));
        } catch (const YAML::Exception &error) {
            return invalidArgument(where + ": " + error.msg);
        }
    }
    return changes;
}

} // namespace aegis::config

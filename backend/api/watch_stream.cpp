#include "api/watch_stream.h"

#include <google/protobuf/descriptor.h>

#include <algorithm>
#include <stdexcept>

namespace aegis::api {

int methodIndex(std::string_view method) {
    // "/aegis.v1.Service/Method" -> "aegis.v1.Service.Method"
    std::string name(method.substr(method.starts_with('/') ? 1 : 0));
    std::replace(name.begin(), name.end(), '/', '.');
    const auto *descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(name);
    if (descriptor == nullptr) {
        throw std::logic_error("no generated method " + std::string(method));
    }
    return descriptor->index();
}

} // namespace aegis::api

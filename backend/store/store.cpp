#include "store/store.h"

#include <future>

namespace aegis::store {

Transaction &Transaction::put(std::string key, std::string value) {
    operations.push_back({Operation::Kind::Put, std::move(key), std::move(value)});
    return *this;
}

Transaction &Transaction::remove(std::string key) {
    operations.push_back({Operation::Kind::Delete, std::move(key), {}});
    return *this;
}

Transaction &Transaction::removePrefix(std::string prefix) {
    operations.push_back({Operation::Kind::DeletePrefix, std::move(prefix), {}});
    return *this;
}

Transaction &Transaction::ifMissing(std::string key) {
    compares.push_back({Compare::Kind::Missing, std::move(key), 0});
    return *this;
}

Transaction &Transaction::ifExists(std::string key) {
    compares.push_back({Compare::Kind::Exists, std::move(key), 0});
    return *this;
}

Transaction &Transaction::ifModRevision(std::string key, Revision revision) {
    compares.push_back({Compare::Kind::ModRevisionEquals, std::move(key), revision});
    return *this;
}

std::string prefixEnd(std::string_view prefix) {
    std::string end(prefix);
    while (!end.empty()) {
        auto &last = reinterpret_cast<unsigned char &>(end.back());
        if (last < 0xff) {
            ++last;
            return end;
        }
        end.pop_back();
    }
    // No key bounds the empty prefix or an all-0xff one from above.
    return std::string(kNoEnd);
}

StatusOr<TransactionResult> Store::commit(Transaction txn) {
    std::promise<StatusOr<TransactionResult>> promise;
    auto future = promise.get_future();
    commitAsync(std::move(txn), [&promise](StatusOr<TransactionResult> result) {
        promise.set_value(std::move(result));
    });
    return future.get();
}

StatusOr<RangeResult> Store::get(const std::string &key) const {
    return range(RangeRequest{key, {}, 1, false});
}

StatusOr<RangeResult> Store::rangePrefix(const std::string &prefix, std::size_t limit) const {
    return range(RangeRequest{prefix, prefixEnd(prefix), limit, false});
}

} // namespace aegis::store

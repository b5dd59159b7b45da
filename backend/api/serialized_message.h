#pragma once

#include <google/protobuf/message_lite.h>
#include <grpc/slice.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include <cstddef>
#include <vector>

namespace aegis::api {

// A protobuf message serialised once, whose bytes are shared (reference-counted slices) by every
// stream that writes it: copying one, or buffer(), copies no bytes. Since a message's encoding is
// the concatenation of its fields' encodings, append() builds a message from parts serialised
// separately (a header, then shared events), and a stream may frame the bytes with fields of its
// own (a watch id) without parsing them again. Not thread-safe; const use is.
class SerializedMessage {
public:
    SerializedMessage() = default;

    // Serialises `message` (its fields, in field-number order).
    static SerializedMessage of(const google::protobuf::MessageLite &message) {
        const std::size_t size = message.ByteSizeLong();
        grpc_slice slice = grpc_slice_malloc(size);
        message.SerializeWithCachedSizesToArray(GRPC_SLICE_START_PTR(slice));
        return ofBytes(grpc::Slice(slice, grpc::Slice::STEAL_REF));
    }

    // A message already serialised into `bytes`, with room for `slices` slices in all, so
    // appending up to that many more does not reallocate.
    static SerializedMessage ofBytes(grpc::Slice bytes, std::size_t slices = 1) {
        SerializedMessage out;
        out.m_slices.reserve(slices);
        out.m_size = bytes.size();
        out.m_slices.push_back(std::move(bytes));
        return out;
    }

    // Appends the fields `more` holds, after this message's.
    void append(const SerializedMessage &more) {
        m_slices.insert(m_slices.end(), more.m_slices.begin(), more.m_slices.end());
        m_size += more.m_size;
    }

    std::size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }
    const std::vector<grpc::Slice> &slices() const { return m_slices; }

    // What a raw method writes: shares the slices.
    grpc::ByteBuffer buffer() const {
        if (m_slices.empty()) { // an empty message is zero bytes, still a message
            const grpc::Slice none;
            return grpc::ByteBuffer(&none, 1);
        }
        return grpc::ByteBuffer(m_slices.data(), m_slices.size());
    }

private:
    std::vector<grpc::Slice> m_slices;
    std::size_t m_size = 0;
};

} // namespace aegis::api

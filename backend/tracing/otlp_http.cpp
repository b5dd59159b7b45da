#include "tracing/otlp_http.h"

#include "tracing/otlp_ingest.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>

namespace aegis::tracing {
namespace {

constexpr const char *kProtobuf = "application/x-protobuf";

int httpStatusOf(StatusCode code) {
    switch (code) {
    case StatusCode::Ok:
        return 200;
    case StatusCode::InvalidArgument:
        return 400;
    case StatusCode::Unauthenticated:
        return 401;
    case StatusCode::ResourceExhausted:
        return 413;
    case StatusCode::Unavailable:
        return 503;
    default:
        return 500;
    }
}

OtlpHttpResponse failure(const Status &status, int httpStatus = 0) {
    OtlpHttpResponse response;
    response.status = httpStatus != 0 ? httpStatus : httpStatusOf(status.code());
    response.contentType = kProtobuf;
    response.body = encodeRpcStatus(status);
    if (response.status == 401) {
        response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"aegisd\"");
    }
    if (response.status == 503) {
        response.headers.emplace_back("Retry-After", "1");
    }
    return response;
}

// The media type without parameters, lowercased.
std::string mediaType(std::string_view value) {
    value = value.substr(0, value.find(';'));
    while (!value.empty() && value.back() == ' ') {
        value.remove_suffix(1);
    }
    std::string lower(value);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower;
}

} // namespace

std::string encodeRpcStatus(const Status &status) {
    std::string out;
    {
        google::protobuf::io::StringOutputStream stream(&out);
        google::protobuf::io::CodedOutputStream coded(&stream);
        if (status.code() != StatusCode::Ok) {
            coded.WriteTag(1 << 3); // code: int32
            coded.WriteVarint32SignExtended(static_cast<int>(status.code()));
        }
        if (!status.message().empty()) {
            coded.WriteTag((2 << 3) | 2); // message: string
            coded.WriteVarint32(static_cast<std::uint32_t>(status.message().size()));
            coded.WriteString(status.message());
        }
    }
    return out;
}

StatusOr<std::string> gunzip(std::string_view compressed, std::size_t maxBytes) {
    z_stream stream{};
    if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) {
        return internalError("zlib: cannot start inflating");
    }
    stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(compressed.data()));
    stream.avail_in = static_cast<uInt>(compressed.size());
    std::string out;
    int result = Z_OK;
    while (result != Z_STREAM_END) {
        if (out.size() > maxBytes) {
            inflateEnd(&stream);
            return Status(StatusCode::ResourceExhausted,
                          "the decompressed export is over " + std::to_string(maxBytes) +
                              " bytes, the limit (tracing.limits.max_request_bytes); send smaller "
                              "batches");
        }
        const std::size_t used = out.size();
        out.resize(used + std::max<std::size_t>(64 * 1024, compressed.size() * 2));
        stream.next_out = reinterpret_cast<Bytef *>(out.data() + used);
        stream.avail_out = static_cast<uInt>(out.size() - used);
        result = inflate(&stream, Z_NO_FLUSH);
        out.resize(out.size() - stream.avail_out);
        if (result != Z_OK && result != Z_STREAM_END) {
            inflateEnd(&stream);
            return invalidArgument("the body is not valid gzip (Content-Encoding: gzip)");
        }
        if (result == Z_OK && stream.avail_in == 0 && stream.avail_out != 0) {
            inflateEnd(&stream);
            return invalidArgument("the gzip body ends early (Content-Encoding: gzip)");
        }
    }
    inflateEnd(&stream);
    if (out.size() > maxBytes) {
        return Status(StatusCode::ResourceExhausted,
                      "the decompressed export is " + std::to_string(out.size()) +
                          " bytes; the limit is " + std::to_string(maxBytes) +
                          " (tracing.limits.max_request_bytes); send smaller batches");
    }
    return out;
}

std::optional<OtlpHttpResponse> otlpHttpAuthorize(const OtlpIngest &ingest,
                                                  std::string_view authorization) {
    if (Status allowed = ingest.authorize(authorization); !allowed.isOk()) {
        return failure(allowed);
    }
    return std::nullopt;
}

OtlpHttpResponse otlpHttpTooLarge(std::int64_t limit) {
    return failure(Status(StatusCode::ResourceExhausted,
                          "the export is over " + std::to_string(limit) +
                              " bytes, the limit (tracing.limits.max_request_bytes); send "
                              "smaller batches"),
                   413);
}

void serveOtlpHttp(OtlpIngest &ingest, OtlpHttpRequest request,
                   std::function<void(OtlpHttpResponse)> done) {
    if (auto refusal = otlpHttpAuthorize(ingest, request.authorization)) {
        return done(std::move(*refusal));
    }
    const std::string type = mediaType(request.contentType);
    if (type != kProtobuf) {
        return done(failure(
            invalidArgument("Content-Type " +
                            (type.empty() ? std::string("(none)") : "'" + type + "'") +
                            " is not supported; this receiver takes OTLP/HTTP binary protobuf "
                            "(Content-Type: application/x-protobuf)"),
            415));
    }
    const std::string encoding = mediaType(request.contentEncoding);
    if (encoding == "gzip") {
        auto inflated =
            gunzip(request.body, static_cast<std::size_t>(ingest.limits().maxRequestBytes));
        if (!inflated) {
            return done(failure(inflated.status()));
        }
        request.body = std::move(*inflated);
    } else if (!encoding.empty() && encoding != "identity") {
        return done(failure(invalidArgument("Content-Encoding '" + encoding +
                                            "' is not supported; send gzip or none"),
                            415));
    }
    ingest.exportSerialized(request.body, OtlpProtocol::Http,
                            [done = std::move(done)](ExportResult result) {
                                if (!result.status.isOk()) {
                                    return done(failure(result.status));
                                }
                                OtlpHttpResponse response;
                                response.contentType = kProtobuf;
                                response.body = result.response.SerializeAsString();
                                done(std::move(response));
                            });
}

} // namespace aegis::tracing

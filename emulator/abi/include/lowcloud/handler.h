/*
 * lowcloud native Lambda handler ABI, version 1.
 *
 * A stable C interface between the emulator (the host) and a handler
 * library (a .so), so handlers can be written in C, C++ or anything that
 * exports C symbols. A handler library exports:
 *
 *   uint32_t lowcloud_abi_version(void);         required; returns LOWCLOUD_ABI_VERSION
 *   int <handler>(const lowcloud_invocation*,    required; the symbol named by the
 *                 const lowcloud_host*,            function's `handler` setting
 *                 lowcloud_result*);               (default "handler")
 *   int lowcloud_init(const lowcloud_host*,      optional; runs once per execution
 *                     lowcloud_result*);           environment, before the first event
 *
 * Ownership: whoever allocates frees. Everything the host passes in
 * (invocation strings, payload) is owned by the host and valid only during
 * the call. The handler reports its outcome through the host's functions,
 * which copy what they are given, so the handler may free its buffers as
 * soon as they return.
 *
 * Outcome: a handler calls host->succeed() once (the response payload,
 * normally JSON) or host->fail() once (errorType, errorMessage), then
 * returns 0. Returning non-zero without either is reported as a
 * "Runtime.HandlerError" function error. The init hook reports failure the
 * same way (fail() or non-zero); the environment then does not start and the
 * invocation fails with that error.
 *
 * Threading: the host calls a library's functions from one thread at a time
 * per execution environment. With `isolation: process` (the default) each
 * environment is its own process; with `isolation: in-process` several
 * environments share the emulator's process, so globals are shared between
 * concurrent invocations there.
 *
 * Compatibility: structs begin with their size; later versions only append
 * members, so a library built against version 1 keeps working.
 */
#ifndef LOWCLOUD_HANDLER_H
#define LOWCLOUD_HANDLER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LOWCLOUD_ABI_VERSION 1u

typedef struct lowcloud_invocation {
    uint32_t struct_size;          /* sizeof(lowcloud_invocation) of the host */
    const char* payload;           /* the event, normally JSON; not NUL-terminated */
    size_t payload_size;
    const char* request_id;        /* NUL-terminated strings, never NULL ("" if unset) */
    const char* function_name;
    const char* function_arn;
    const char* function_version;  /* "$LATEST" */
    const char* log_group;
    const char* log_stream;
    const char* trace_id;
    const char* client_context;    /* JSON or "" */
    const char* cognito_identity;  /* JSON or "" */
    uint32_t memory_mb;
    int64_t deadline_ms;           /* Unix time in milliseconds */
} lowcloud_invocation;

/* The outcome of one call; owned by the host. */
typedef struct lowcloud_result lowcloud_result;

/* One HTTP header; not NUL-terminated. */
typedef struct lowcloud_header {
    const char* name;
    size_t name_size;
    const char* value;
    size_t value_size;
} lowcloud_header;

/* An HTTP request for host->send (all owned by the caller). */
typedef struct lowcloud_http_request {
    uint32_t struct_size;            /* sizeof(lowcloud_http_request) of the caller */
    const char* endpoint;            /* "host:port" the request is meant for, NUL-terminated */
    const char* method;              /* "POST", NUL-terminated */
    const char* target;              /* "/", path and query, NUL-terminated */
    const lowcloud_header* headers;  /* as they would be sent, Host included */
    size_t header_count;
    const char* body;
    size_t body_size;
} lowcloud_http_request;

/* Receives send()'s answer; everything is the host's and valid only during the call. */
typedef void (*lowcloud_http_response_fn)(void* context, int status, const lowcloud_header* headers, size_t header_count,
                                          const char* body, size_t body_size);

typedef struct lowcloud_host {
    uint32_t struct_size;  /* sizeof(lowcloud_host) of the host */
    /* Sets the successful response (copied). */
    void (*succeed)(lowcloud_result* result, const char* payload, size_t size);
    /* Sets a function error (both strings copied; NUL-terminated). */
    void (*fail)(lowcloud_result* result, const char* error_type, const char* error_message);
    /* Writes one line to the invocation's log (copied; no newline needed). */
    void (*log)(lowcloud_result* result, const char* line, size_t size);
    /* Milliseconds left before the invocation's deadline (0 for init). */
    int64_t (*remaining_ms)(const lowcloud_result* result);
    /* Appended to version 1: hosts built before it pass a smaller
     * struct_size, so check that it covers this member first. Serves an HTTP request for `request->endpoint` without a socket when
     * that endpoint is the host's own (the emulator running the handler
     * in-process): the request takes the same path as over the network
     * (authentication included), without the loopback round trip. Blocks
     * until the answer, calls on_response once with it and returns 0.
     * Returns -1 without calling on_response when the host cannot take the
     * request this way (another endpoint, a handler in its own process, AWS):
     * the caller then sends it over the network. Call it only from the
     * thread running the handler or init hook, during that call. */
    int (*send)(lowcloud_result* result, const lowcloud_http_request* request, lowcloud_http_response_fn on_response,
                void* context);
} lowcloud_host;

typedef uint32_t (*lowcloud_abi_version_fn)(void);
typedef int (*lowcloud_handler_fn)(const lowcloud_invocation* invocation, const lowcloud_host* host, lowcloud_result* result);
typedef int (*lowcloud_init_fn)(const lowcloud_host* host, lowcloud_result* result);

#ifdef __cplusplus
}
#endif

#endif /* LOWCLOUD_HANDLER_H */

/* The hello of examples/serve/hello.c as a wasi:http proxy component, so
 * that `wasmtime serve` has the same handler to serve: status 200,
 * `content-type: text/plain`, the body "Hello from Wisp!\n".
 *
 * Built against bindings from `wit-bindgen c` for wasi:http/proxy (the
 * header is proxy.h) by benches/serve/run.sh. The module uses wasi-libc
 * only for memory and string functions, so it imports nothing from WASI
 * preview 1 and becomes a component without an adapter.
 */
#include <string.h>

#include "proxy.h"

static const char BODY[] = "Hello from Wisp!\n";

void exports_wasi_http_incoming_handler_handle(
    exports_wasi_http_incoming_handler_own_incoming_request_t request,
    exports_wasi_http_incoming_handler_own_response_outparam_t response_out) {
    wasi_http_types_incoming_request_drop_own(request);

    wasi_http_types_own_fields_t headers = wasi_http_types_constructor_fields();
    proxy_string_t name;
    proxy_string_set(&name, "content-type");
    wasi_http_types_field_value_t value = {(uint8_t *)"text/plain", strlen("text/plain")};
    wasi_http_types_header_error_t header_error;
    wasi_http_types_method_fields_append(wasi_http_types_borrow_fields(headers), &name, &value,
                                         &header_error);

    wasi_http_types_own_outgoing_response_t response =
        wasi_http_types_constructor_outgoing_response(headers);
    wasi_http_types_own_outgoing_body_t body;
    wasi_http_types_method_outgoing_response_body(
        wasi_http_types_borrow_outgoing_response(response), &body);

    wasi_http_types_result_own_outgoing_response_error_code_t result = {
        .is_err = false,
        .val.ok = response,
    };
    wasi_http_types_static_response_outparam_set(response_out, &result);

    wasi_http_types_own_output_stream_t stream;
    if (wasi_http_types_method_outgoing_body_write(wasi_http_types_borrow_outgoing_body(body),
                                                   &stream)) {
        proxy_list_u8_t bytes = {(uint8_t *)BODY, sizeof BODY - 1};
        wasi_io_streams_stream_error_t stream_error;
        wasi_io_streams_method_output_stream_blocking_write_and_flush(
            wasi_io_streams_borrow_output_stream(stream), &bytes, &stream_error);
        wasi_io_streams_output_stream_drop_own(stream);
    }
    wasi_http_types_error_code_t finish_error;
    wasi_http_types_static_outgoing_body_finish(body, NULL, &finish_error);
}

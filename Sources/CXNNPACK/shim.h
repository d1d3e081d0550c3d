// XNNPACK's subgraph API and pthreadpool, as Debian's libxnnpack-dev and libpthreadpool-dev ship them.
//
// Debian 12 ships a 2022-02 snapshot of XNNPACK and Debian 13 a 2024-11 one. The few calls whose
// API changed between them are wrapped here, chosen at compile time, so the Swift engine makes one
// call on both and none that the 2024 release deprecates. The 2024 header is the one that
// defines XNN_DEPRECATED (the 2022 one deprecates nothing).
#include <math.h>
#include <xnnpack.h>
#include <pthreadpool.h>

#if defined(XNN_DEPRECATED)
#define LOOKOUT_XNNPACK_2024 1
#else
#define LOOKOUT_XNNPACK_2024 0
#endif

/// The XNNPACK API generation this build compiled against: 2022 or 2024.
static inline int lookout_xnn_api_year(void) { return LOOKOUT_XNNPACK_2024 ? 2024 : 2022; }

/// Binds the external inputs and outputs; 2024 first sizes every value (xnn_reshape_runtime).
static inline enum xnn_status lookout_xnn_setup_runtime(
    xnn_runtime_t runtime, size_t count, const struct xnn_external_value* values) {
#if LOOKOUT_XNNPACK_2024
  enum xnn_status status = xnn_reshape_runtime(runtime);
  if (status != xnn_status_success) return status;
  return xnn_setup_runtime_v2(runtime, count, values);
#else
  return xnn_setup_runtime(runtime, count, values);
#endif
}

/// Mean over H and W of an NHWC tensor, keeping the dimensions ([N,1,1,C]), then clamped.
/// 2024 replaces global pooling by a reduce node, which has no clamp: a fused activation there is
/// refused as unsupported rather than dropped.
static inline enum xnn_status lookout_xnn_define_global_average_pooling_2d(
    xnn_subgraph_t subgraph, float output_min, float output_max, uint32_t input_id, uint32_t output_id) {
#if LOOKOUT_XNNPACK_2024
  if (!(isinf(output_min) && output_min < 0 && isinf(output_max) && output_max > 0)) {
    return xnn_status_unsupported_parameter;
  }
  const size_t axes[2] = {1, 2};
  return xnn_define_static_reduce(subgraph, xnn_reduce_mean, 2, axes, input_id, output_id, XNN_FLAG_KEEP_DIMS);
#else
  return xnn_define_global_average_pooling_2d(subgraph, output_min, output_max, input_id, output_id, 0);
#endif
}

/// Element-wise a + b (with broadcasting), clamped.
static inline enum xnn_status lookout_xnn_define_add(
    xnn_subgraph_t subgraph, float output_min, float output_max, uint32_t a_id, uint32_t b_id, uint32_t output_id) {
#if LOOKOUT_XNNPACK_2024
  const struct xnn_binary_params params = {.output_min = output_min, .output_max = output_max};
  return xnn_define_binary(subgraph, xnn_binary_add, &params, a_id, b_id, output_id, 0);
#else
  return xnn_define_add2(subgraph, output_min, output_max, a_id, b_id, output_id, 0);
#endif
}

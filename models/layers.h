/* gst-ego network library: layers.
 *
 * Every layer is a pair of free functions, ego_<layer>_forward and
 * ego_<layer>_backward, on plain float32 arrays in row-major order. Shapes are
 * given in the comments; images are NCHW. Conventions shared by all layers:
 *
 *  - backward ADDS into every gradient it is given (dinp, dweight, dbias ...),
 *    so the caller zeroes gradient buffers once per step;
 *  - a NULL gradient pointer means "not needed" (e.g. dinp of the first layer);
 *  - no function allocates; scratch space is passed in, sized by the
 *    matching *_scratch_floats() helper;
 *  - nothing here validates data: shapes come from validated networks.
 */
#ifndef EGO_LAYERS_H
#define EGO_LAYERS_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

/* ------------------------------------------------------------------------ */
/* Threads of the layers that split their work themselves (1 unless set;
 * ego_set_num_threads sets it). Their results do not depend on it. */

#define EGO_MAX_THREADS 64

void ego_layers_set_threads (int n);
int ego_layers_threads (void);
/* Runs fn (i, thread, data) for every i in [0, n), split over up to
 * threads threads (the caller's among them) in contiguous ranges; thread
 * in [0, threads) tells whose scratch to use. Returns when all are done. */
typedef void (*EgoParallelFn) (int i, int thread, void *data);
void ego_parallel_for (int n, int threads, EgoParallelFn fn, void *data);

/* ------------------------------------------------------------------------ */
/* 2-D convolution: im2col + sgemm per image and group; a direct kernel when
 * the convolution is depthwise (groups == in_c == out_c). */

typedef struct
{
  int in_c, out_c;
  int kh, kw;                   /* kernel */
  int sh, sw;                   /* stride */
  int ph, pw;                   /* zero padding on each side */
  int groups;
} EgoConv2d;

int ego_conv2d_out_h (const EgoConv2d * c, int h);
int ego_conv2d_out_w (const EgoConv2d * c, int w);
/* floats of scratch that forward and backward need for one (h, w) input */
size_t ego_conv2d_scratch_floats (const EgoConv2d * c, int h, int w);
/* out is (n, out_c, oh, ow), inp is (n, in_c, h, w),
 * weight is (out_c, in_c/groups, kh, kw), bias is (out_c) or NULL */
void ego_conv2d_forward (float *out, const float *inp, const float *weight,
    const float *bias, const EgoConv2d * c, int n, int h, int w,
    float *scratch);
/* Inference: ego_conv2d_forward fused with what follows it in a residual
 * network, applied while the output is in cache:
 * out = relu? (conv (inp) + bias + res), res (n, out_c, oh, ow) or NULL,
 * relu 0 or 1. out must not overlap inp or res. */
void ego_conv2d_forward_fused (float *out, const float *inp,
    const float *weight, const float *bias, const float *res, int relu,
    const EgoConv2d * c, int n, int h, int w, float *scratch);
/* Inference with the weights packed once, for a direct kernel on x86-64
 * CPUs with AVX-512. ego_conv2d_packed_floats is 0 where there is none (or
 * for grouped convolutions); then pass packed = NULL and forward_packed
 * runs forward_fused with weight. packed is best 64-byte aligned. */
size_t ego_conv2d_packed_floats (const EgoConv2d * c);
void ego_conv2d_pack (float *packed, const float *weight, const EgoConv2d * c);
void ego_conv2d_forward_packed (float *out, const float *inp,
    const float *weight, const float *packed, const float *bias,
    const float *res, int relu, const EgoConv2d * c, int n, int h, int w,
    float *scratch);
void ego_conv2d_backward (float *dinp, float *dweight, float *dbias,
    const float *dout, const float *inp, const float *weight,
    const EgoConv2d * c, int n, int h, int w, float *scratch);
/* Training: the input gradient of a stride-1 convolution on the direct
 * kernel, with the weights packed by ego_conv2d_pack_input_grad. Unlike
 * ego_conv2d_backward, dinp is written, not added to. The packed floats
 * are 0 where there is no such kernel (as ego_conv2d_packed_floats);
 * then ego_conv2d_backward is the way. */
size_t ego_conv2d_packed_input_grad_floats (const EgoConv2d * c);
void ego_conv2d_pack_input_grad (float *packed, const float *weight,
    const EgoConv2d * c);
void ego_conv2d_backward_input_packed (float *dinp, const float *dout,
    const float *packed, const EgoConv2d * c, int n, int h, int w,
    float *scratch);
/* Training: dweight += the weight gradient, on a direct kernel, for n
 * images at once. The scratch floats depend on n, and are 0 where there
 * is no such kernel (then ego_conv2d_backward is the way). */
size_t ego_conv2d_weight_grad_scratch_floats (const EgoConv2d * c, int n,
    int h, int w);
void ego_conv2d_weight_grad_packed (float *dweight, const float *dout,
    const float *inp, const EgoConv2d * c, int n, int h, int w,
    float *scratch);

/* ------------------------------------------------------------------------ */
/* Batch norm over (n, c, hw): per channel statistics over n and hw.
 * Training uses the batch statistics and saves mean and rstd (c) for
 * backward; inference uses the running statistics. Variance in the
 * normalisation is biased; the running variance is updated with the unbiased
 * one, as PyTorch does. */

void ego_batchnorm_forward_train (float *out, float *mean, float *rstd,
    const float *inp, const float *gamma, const float *beta,
    int n, int c, int hw, float eps);
void ego_batchnorm_update_running (float *running_mean, float *running_var,
    const float *mean, const float *rstd, int c, int count, float momentum,
    float eps);
void ego_batchnorm_forward_eval (float *out, const float *inp,
    const float *gamma, const float *beta, const float *running_mean,
    const float *running_var, int n, int c, int hw, float eps);
void ego_batchnorm_backward (float *dinp, float *dgamma, float *dbeta,
    const float *dout, const float *inp, const float *mean, const float *rstd,
    const float *gamma, int n, int c, int hw);
/* Training forward fused with what follows a batch norm in a residual
 * network: out = relu? (bn (inp) + res), res (n, c, hw) or NULL, relu 0 or
 * 1; out may be inp. Split over ego_layers_threads () by channel. */
void ego_batchnorm_forward_train_fused (float *out, float *mean, float *rstd,
    const float *inp, const float *gamma, const float *beta, const float *res,
    int relu, int n, int c, int hw, float eps);
/* Its backward as far as inp: the gradient at the batch norm's output is
 * dout where out > 0, out being the fused forward's output (or dout itself
 * when out is NULL: no relu). Unlike the other backwards, dinp is written,
 * not added to: it is the gradient at a convolution's output, a buffer of
 * its own, which so needs no zeroing pass. dgamma and dbeta are added to;
 * res's gradient is the caller's. Split over ego_layers_threads (). */
void ego_batchnorm_backward_fused (float *dinp, float *dgamma, float *dbeta,
    const float *dout, const float *out, const float *inp, const float *mean,
    const float *rstd, const float *gamma, int n, int c, int hw);
/* Fold an inference batch norm into the convolution before it:
 * w_out (out_c, k) and b_out (out_c) from conv weight (out_c, k) and bias
 * (out_c or NULL). w_out may alias conv_w. */
void ego_batchnorm_fold (float *w_out, float *b_out, const float *conv_w,
    const float *conv_b, const float *gamma, const float *beta,
    const float *running_mean, const float *running_var, int out_c, int k,
    float eps);

/* ------------------------------------------------------------------------ */
/* Element-wise activations over n values; out may alias inp in forward. */

void ego_relu_forward (float *out, const float *inp, size_t n);
/* out is the forward output (ReLU's gradient only needs its sign) */
void ego_relu_backward (float *dinp, const float *dout, const float *out,
    size_t n);
void ego_hardswish_forward (float *out, const float *inp, size_t n);
void ego_hardswish_backward (float *dinp, const float *dout, const float *inp,
    size_t n);
/* exact GELU, x * Phi(x), as torch.nn.GELU() */
void ego_gelu_forward (float *out, const float *inp, size_t n);
void ego_gelu_backward (float *dinp, const float *dout, const float *inp,
    size_t n);

/* ------------------------------------------------------------------------ */
/* Temporal shift (TSM) over clips of t frames: inp and out are (b, t, c, hw).
 * fold = number of channels shifted each way.
 * ONLINE: channels [0, fold) come from frame t-1 (zeros at t = 0); the rest
 *   are unchanged. Only looks back, so it streams.
 * BIDIRECTIONAL: channels [0, fold) from t-1, [fold, 2*fold) from t+1
 *   (zeros past either end); the rest unchanged. */

typedef enum
{
  EGO_SHIFT_NONE = 0,
  EGO_SHIFT_ONLINE = 1,
  EGO_SHIFT_BIDIRECTIONAL = 2,
} EgoShiftMode;

void ego_shift_forward (float *out, const float *inp, int b, int t, int c,
    int hw, int fold, EgoShiftMode mode);
void ego_shift_backward (float *dinp, const float *dout, int b, int t, int c,
    int hw, int fold, EgoShiftMode mode);
/* One frame of an ONLINE shift: out (c, hw) is inp (c, hw) with channels
 * [0, fold) taken from state (fold, hw); state then takes inp's channels
 * [0, fold). A zeroed state is the start of a stream. out != inp. */
void ego_shift_stream (float *out, const float *inp, float *state, int c,
    int hw, int fold);

/* ------------------------------------------------------------------------ */
/* Pooling. avgpool: square window k, stride s, no padding, floor output.
 * inp (n, c, h, w), out (n, c, oh, ow). Global: inp (n, c, hw), out (n, c). */

void ego_avgpool_forward (float *out, const float *inp, int n, int c, int h,
    int w, int k, int s);
void ego_avgpool_backward (float *dinp, const float *dout, int n, int c,
    int h, int w, int k, int s);
void ego_global_avgpool_forward (float *out, const float *inp, int n, int c,
    int hw);
void ego_global_avgpool_backward (float *dinp, const float *dout, int n,
    int c, int hw);

/* ------------------------------------------------------------------------ */
/* Linear: out (n, oc) = inp (n, ic) . weight^T (oc, ic) + bias (oc or NULL) */

void ego_linear_forward (float *out, const float *inp, const float *weight,
    const float *bias, int n, int ic, int oc);
void ego_linear_backward (float *dinp, float *dweight, float *dbias,
    const float *dout, const float *inp, const float *weight, int n, int ic,
    int oc);

/* ------------------------------------------------------------------------ */
/* Inverted dropout: mask (n) receives 0 or 1/(1-p); out = inp * mask. */

void ego_dropout_forward (float *out, float *mask, const float *inp, size_t n,
    float p, EgoRng * rng);
void ego_dropout_backward (float *dinp, const float *dout, const float *mask,
    size_t n);

/* ------------------------------------------------------------------------ */
/* Layer norm over the last dimension: inp, out (n, c); weight, bias (c);
 * mean, rstd (n) saved for backward. eps as torch (1e-5 by default). */

void ego_layernorm_forward (float *out, float *mean, float *rstd,
    const float *inp, const float *weight, const float *bias, int n, int c,
    float eps);
void ego_layernorm_backward (float *dinp, float *dweight, float *dbias,
    const float *dout, const float *inp, const float *weight,
    const float *mean, const float *rstd, int n, int c);

/* ------------------------------------------------------------------------ */
/* Embedding: out (n, c) = table[ids[i]] with table (v, c). ids are trusted. */

void ego_embedding_forward (float *out, const int32_t * ids,
    const float *table, int n, int c);
void ego_embedding_backward (float *dtable, const float *dout,
    const int32_t * ids, int n, int c);

/* ------------------------------------------------------------------------ */
/* Multi-head self-attention core (projections are ego_linear):
 * qkv (b, t, 3c) holds q, k, v side by side, c = nh * hs;
 * out (b, t, c); att (b, nh, t, t) the softmaxed scores, saved for backward.
 * causal: position i attends to j <= i only.
 * key_mask (b, t) or NULL: 0 marks a padding position no query attends to
 * (a query row with no valid key gets zeros). */

void ego_attention_forward (float *out, float *att, const float *qkv,
    const uint8_t * key_mask, int b, int t, int c, int nh, int causal);
void ego_attention_backward (float *dqkv, const float *dout, const float *qkv,
    const float *att, int b, int t, int c, int nh);

/* ------------------------------------------------------------------------ */
/* Softmax and log-softmax over the last dimension of (n, k). */

void ego_softmax_forward (float *out, const float *inp, int n, int k);
void ego_softmax_backward (float *dinp, const float *dout, const float *out,
    int n, int k);
void ego_log_softmax_forward (float *out, const float *inp, int n, int k);
void ego_log_softmax_backward (float *dinp, const float *dout,
    const float *out, int n, int k);

/* ------------------------------------------------------------------------ */
/* Losses: all return the batch mean and take a scale for backward, which adds
 * scale * d(loss)/d(logits) into dlogits.
 *
 * Cross-entropy with label smoothing eps (0 for none), as torch's
 * F.cross_entropy(logits, targets, label_smoothing=eps). logits (n, k),
 * targets (n). */

float ego_cross_entropy_forward (const float *logits, const int32_t * targets,
    int n, int k, float smoothing);
void ego_cross_entropy_backward (float *dlogits, const float *logits,
    const int32_t * targets, int n, int k, float smoothing, float scale);

/* Distillation: T^2 * KL(softmax(zt/T) || softmax(zs/T)), batch mean, as
 * T*T * F.kl_div(log_softmax(zs/T), log_softmax(zt/T), log_target=True,
 * reduction="batchmean"). zs, zt (n, k). Gradient w.r.t. zs only. */

float ego_distill_forward (const float *zs, const float *zt, int n, int k,
    float temperature);
void ego_distill_backward (float *dzs, const float *zs, const float *zt, int n,
    int k, float temperature, float scale);

/* ------------------------------------------------------------------------ */
/* Temporal mean over a window: inp (b, t, k), out (b, k). */

void ego_temporal_mean_forward (float *out, const float *inp, int b, int t,
    int k);
void ego_temporal_mean_backward (float *dinp, const float *dout, int b, int t,
    int k);

#endif /* EGO_LAYERS_H */

/* gst-ego network library: the temporal-shift ResNet ("tsmnet").
 *
 * The deployed student (README, The network library), and the backbone of the
 * RGB, flow and audio teachers. Per frame: a 3x3 stride-2 stem, stages of
 * basic residual blocks (the first block of every stage after the first
 * halves the size and doubles the width), global average pooling and one
 * linear classifier per head. Before the first convolution of every block, a
 * temporal shift mixes in channels of neighbouring frames (online: the
 * previous frame only). A window's logits are the mean of its frames' logits.
 *
 *   frame (C, H, W) -> stem conv3x3/2 + BN + ReLU
 *     -> [shift -> conv3x3 + BN + ReLU -> conv3x3 + BN, + shortcut, ReLU] x N
 *     -> global average pool -> dropout -> linear per head -> frame logits
 *
 * Three ways to run it:
 *  - training: batch statistics in BN, activations kept for backward;
 *  - inference over whole clips: BN folded into the convolutions;
 *  - streaming: one frame at a time with folded weights and a per-block
 *    shift state; equal to the inference over the same sequence.
 */
#ifndef EGO_TSMNET_H
#define EGO_TSMNET_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "layers.h"
#include "modelmeta.h"
#include "rng.h"
#include "safetensors.h"

#define EGO_NET_MAX_STAGES 5
#define EGO_NET_BN_EPS 1e-5f
#define EGO_NET_BN_MOMENTUM 0.1f

typedef struct
{
  int in_channels;              /* 3 rgb, 2 flow, 1 audio, 5 rgb + flow */
  int height, width;            /* input size */
  int base_width;               /* channels of the stem and stage 0 */
  int n_stages;
  int blocks[EGO_NET_MAX_STAGES];       /* basic blocks per stage */
  EgoShiftMode shift;
  int shift_div;                /* fold = channels / shift_div */
  float dropout;                /* before the classifiers, training only */
  int n_heads;
  int classes[EGO_MAX_HEADS];
} EgoNetConfig;

/* One named tensor of the network: a parameter (trained) or a buffer
 * (BN running statistics). data and grad point into the network's blocks. */
typedef struct
{
  char *name;
  int ndim;
  int shape[4];
  size_t numel;
  float *data;
  float *grad;                  /* NULL for buffers */
  gboolean decay;               /* weight decay applies (weights, not BN/bias) */
} EgoNetTensor;

typedef struct _EgoNet EgoNet;

/* The default student's architecture: 112x112 RGB, width 32, one block in
 * each of four stages, online shift of 1/8 of the channels; the heads are
 * left to the caller (n_heads = 0). */
void ego_net_config_default (EgoNetConfig * cfg);

/* Build a network with He-initialised weights (seeded), unit BN. */
EgoNet *ego_net_new (const EgoNetConfig * cfg, uint64_t seed, GError ** error);
void ego_net_free (EgoNet * net);
const EgoNetConfig *ego_net_config (const EgoNet * net);

/* Parameters and buffers, in a fixed order (the file order). */
int ego_net_n_tensors (const EgoNet * net);
EgoNetTensor *ego_net_tensor (EgoNet * net, int i);
EgoNetTensor *ego_net_find (EgoNet * net, const char *name);
/* All trainable parameters and their gradients are each one contiguous
 * block of n floats (in tensor order). */
float *ego_net_params (EgoNet * net, size_t * n);
float *ego_net_grads (EgoNet * net, size_t * n);
/* multiply-adds x 2 of one frame through the network */
double ego_net_flops_per_frame (const EgoNet * net);

/* -- training ------------------------------------------------------------ */
/* Size the activations for batches of b clips of t frames (reallocates only
 * when larger than before). */
gboolean ego_net_train_reserve (EgoNet * net, int b, int t, GError ** error);
/* x is (b, t, C, H, W). After it, ego_net_window_logits gives (b, classes)
 * per head. rng drives dropout (may be NULL when dropout is 0). Updates the
 * BN running statistics. */
void ego_net_forward_train (EgoNet * net, const float *x, int b, int t,
    EgoRng * rng);
float *ego_net_window_logits (EgoNet * net, int head);
/* per-frame logits (b*t, classes) of the last forward */
float *ego_net_frame_logits (EgoNet * net, int head);
/* Gradient of the loss w.r.t. the window logits (b, classes) per head, to
 * be filled by the caller before ego_net_backward (zeroed by
 * ego_net_forward_train). */
float *ego_net_window_dlogits (EgoNet * net, int head);
void ego_net_zero_grad (EgoNet * net);
/* Adds the parameter gradients of the last forward_train into the grads. */
void ego_net_backward (EgoNet * net, const float *x);

/* -- inference ----------------------------------------------------------- */
/* Fold BN into the convolutions from the current weights and running
 * statistics; call after loading or training, before inference. */
gboolean ego_net_prepare_inference (EgoNet * net, GError ** error);
/* x (b, t, C, H, W) -> frame_logits per head (b*t, classes_h), with the
 * shift over each clip's t frames. Uses internal scratch sized on demand. */
gboolean ego_net_infer (EgoNet * net, const float *x, int b, int t,
    float **frame_logits, GError ** error);

/* A stream: per-block shift state for one sequence. Several streams may run
 * over the same (read-only) network at once, one thread each. */
typedef struct _EgoNetStream EgoNetStream;
/* Needs a prepared network with an online (or no) shift. */
EgoNetStream *ego_net_stream_new (EgoNet * net, GError ** error);
void ego_net_stream_free (EgoNetStream * s);
/* back to the start of a sequence (zero state) */
void ego_net_stream_reset (EgoNetStream * s);
/* one frame (C, H, W) -> frame_logits per head (classes_h) */
void ego_net_stream_push (EgoNetStream * s, const float *frame,
    float **frame_logits);

/* -- files and settings -------------------------------------------------- */
/* arch JSON object of the model file's metadata <-> config (input and
 * heads come from the rest of the metadata). */
gboolean ego_net_config_from_meta (EgoNetConfig * cfg,
    const EgoModelMeta * meta, const char *name, GError ** error);
JsonObject *ego_net_config_to_arch (const EgoNetConfig * cfg);

/* Load a model file: validates the metadata, the architecture and every
 * tensor (name, shape, dtype, finite) against it. meta receives the parsed
 * metadata (clear it with ego_model_meta_clear). */
EgoNet *ego_net_load (const char *path, EgoModelMeta * meta, GError ** error);
/* The same from a model file's bytes in memory; name is used in messages. */
EgoNet *ego_net_load_bytes (const char *name, GBytes * bytes,
    EgoModelMeta * meta, GError ** error);
/* Write weights, running statistics and meta (whose arch is replaced by
 * this network's) atomically. */
/* Any network of the library from a model file: copies every tensor of the
 * list from st, failing (naming the file and tensor) on one missing, of
 * another dtype or shape, or one st has that is not part of the arch
 * (named in the message). */
gboolean ego_net_tensors_load (EgoNetTensor * tensors, int n_tensors,
    const EgoSafetensors * st, const char *arch, GError ** error);
/* Any network of the library as a model file: its tensors (float32) and
 * meta with arch (taken) as its "arch"; atomic (temp file + rename). */
gboolean ego_net_tensors_save (const char *path, const EgoModelMeta * meta,
    JsonObject * arch, const EgoNetTensor * tensors, int n_tensors,
    GError ** error);
gboolean ego_net_save (EgoNet * net, const EgoModelMeta * meta,
    const char *path, GError ** error);

/* Threads for this process (the plugin uses 1): OpenBLAS's, and those
 * training splits its work over (see ego_layers_set_threads). */
void ego_set_num_threads (int n);

#endif /* EGO_TSMNET_H */

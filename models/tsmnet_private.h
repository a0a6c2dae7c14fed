/* gst-ego network library: the tsmnet's insides, shared by tsmnet.c
 * (construction, training), tsmnet_infer.c and tsmnet_io.c. */
#ifndef EGO_TSMNET_PRIVATE_H
#define EGO_TSMNET_PRIVATE_H

#include "tsmnet.h"

/* A convolution followed by batch norm. Tensors are indices into the
 * network's table; activations point into its activation block. */
typedef struct
{
  EgoConv2d conv;
  int in_h, in_w, out_h, out_w;
  int w, gamma, beta, rmean, rvar;      /* tensor indices */
  float *fw, *fb;               /* folded weight and bias (inference) */
  float *fp;                    /* fw packed (ego_conv2d_pack), or NULL */
  float *tp;                    /* training: w packed, or NULL */
  float *tpt;                   /* training: w packed for the input
                                 * gradient, or NULL */
  float *out;                   /* training: conv output (n, out_c, oh, ow) */
  float *mean, *rstd;           /* training: batch statistics (out_c) */
} ConvBn;

typedef struct
{
  int in_c, out_c, in_h, in_w, out_h, out_w;
  int fold;                     /* channels shifted each way, 0 for none */
  ConvBn c1, c2, down;
  gboolean has_down;
  float *xs;                    /* training: shifted input, or the input */
  float *a1;                    /* training: relu(bn1(conv1)) */
  float *y;                     /* training: block output */
} Block;

#define EGO_NET_MAX_TENSORS 512

struct _EgoNet
{
  EgoNetConfig cfg;
  int n_tensors;
  EgoNetTensor tensors[EGO_NET_MAX_TENSORS];
  float *params, *grads, *buffers;
  size_t n_params, n_buffers;

  ConvBn stem;
  Block *blocks;
  int n_blocks;
  int feat_c;
  int head_w[EGO_MAX_HEADS], head_b[EGO_MAX_HEADS];

  /* training, for batches of up to cap_frames frames */
  int cap_frames, b, t;
  float *act;                   /* the activation block */
  float *stem_a;                /* (n, base, sh, sw) */
  float *pooled, *dropped, *drop_mask;  /* (n, feat_c) */
  float *frame_logits[EGO_MAX_HEADS];   /* (n, K) */
  float *window_logits[EGO_MAX_HEADS];  /* (b, K) */
  float *window_dlogits[EGO_MAX_HEADS]; /* (b, K) */
  float *grad_buf[6];           /* (n, max_act) each, for backward */
  float *dw_part;               /* (chunks, max_weight): see conv_backward */
  float *conv_scratch;          /* (scratch_threads, max_scratch) */
  int scratch_threads;
  size_t max_act;               /* largest activation of one frame */
  size_t max_scratch;           /* largest conv scratch of one frame */
  size_t max_weight;            /* largest conv weight */
  size_t packed_floats;         /* training's packed weights, all convs */

  /* inference */
  gboolean prepared;
  float *folded;                /* folded weights and biases */
  float *infer_block;           /* ego_net_infer's scratch */
  int infer_cap;                /* frames infer_block is sized for */
  float *infer_logits[EGO_MAX_HEADS];
};

static inline float *
net_data (EgoNet * net, int i)
{
  return net->tensors[i].data;
}

static inline float *
net_grad (EgoNet * net, int i)
{
  return net->tensors[i].grad;
}

/* A network with zeroed tensors, to be filled from a file; tsmnet.c. */
EgoNet *ego_net_new_empty (const EgoNetConfig * cfg, GError ** error);
/* Range checks of a configuration; tsmnet.c. */
gboolean ego_net_check_config (const EgoNetConfig * cfg, GError ** error);
/* Sets max_act and max_scratch; returns the activation floats of one
 * training frame. tsmnet_train.c. */
size_t ego_net_measure (EgoNet * net);
/* tsmnet_infer.c */
void ego_net_free_inference (EgoNet * net);

#endif /* EGO_TSMNET_PRIVATE_H */

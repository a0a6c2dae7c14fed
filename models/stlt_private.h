/* gst-ego network library: the layout network's insides, shared by
 * stlt.c (construction), stlt_train.c (forward, backward) and stlt_io.c
 * (files). */
#ifndef EGO_STLT_PRIVATE_H
#define EGO_STLT_PRIVATE_H

#include "stlt.h"

/* One pre-LN transformer block. The ints are tensor indices; the pointers
 * are its activations in the network's block, for nb sequences of s tokens
 * (r = nb * s rows). */
typedef struct
{
  int ln1_w, ln1_b, qkv_w, qkv_b, proj_w, proj_b;
  int ln2_w, ln2_b, fc1_w, fc1_b, fc2_w, fc2_b;
  float *ln1, *mean1, *rstd1;   /* (r, d), (r), (r) */
  float *qkv;                   /* (r, 3d) */
  float *att;                   /* (nb, heads, s, s) */
  float *atty;                  /* (r, d) attention output */
  float *res1;                  /* (r, d) x + proj (atty) */
  float *ln2, *mean2, *rstd2;   /* (r, d), (r), (r) */
  float *fc1;                   /* (r, mlp) */
  float *gelu;                  /* (r, mlp) */
  float *out;                   /* (r, d) res1 + fc2 (gelu) */
} StltBlock;

#define EGO_STLT_MAX_TENSORS 256

struct _EgoStlt
{
  EgoStltConfig cfg;
  int n_tensors;
  EgoNetTensor tensors[EGO_STLT_MAX_TENSORS];
  float *params, *grads;
  size_t n_params;

  int box_w, box_b, cat_e, side_e, contact_e, frame_tok, pos;
  int norm_w, norm_b;
  int head_w[EGO_MAX_HEADS], head_b[EGO_MAX_HEADS];
  StltBlock *spatial, *temporal;

  /* activations of the last forward, for n clips of t frames, b slots */
  int n, t, b;
  gboolean dropped_out;         /* dropout applied in the last forward */
  size_t cap_floats, cap_slots;
  float *act;                   /* the activation block */
  int32_t *ids;                 /* 3 planes (n*t*b): cat, side, contact */
  uint8_t *slot_mask;           /* (n*t*b) as given */
  uint8_t *key_mask;            /* (n*t, 1 + b) */
  float *feat;                  /* (n*t*b, 7), zeros for padding */
  float *boxtok;                /* (n*t*b, d) */
  float *x0;                    /* (n*t, 1 + b, d) spatial input */
  float *ft;                    /* (n, t, d) temporal input */
  float *pooled;                /* (n, d) */
  float *normed, *norm_mean, *norm_rstd;        /* (n, d), (n), (n) */
  float *dropped, *drop_mask;   /* (n, d) */
  float *logits[EGO_MAX_HEADS]; /* (n, K) */
  float *dlogits[EGO_MAX_HEADS];        /* (n, K) */
  float *g[7];                  /* backward buffers, see stlt_train.c */
};

static inline float *
stlt_data (EgoStlt * net, int i)
{
  return net->tensors[i].data;
}

static inline float *
stlt_grad (EgoStlt * net, int i)
{
  return net->tensors[i].grad;
}

/* A network with zeroed parameters, to be filled from a file; stlt.c. */
EgoStlt *ego_stlt_new_empty (const EgoStltConfig * cfg, GError ** error);

#endif /* EGO_STLT_PRIVATE_H */

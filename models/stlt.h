/* gst-ego network library: the layout network ("stlt"), a spatial-then-
 * temporal transformer over the boxes of hands and objects in each sampled
 * frame (the layout teacher).
 *
 * Per box, a token of width d from its features and its kinds:
 *   tok = box (x1, y1, x2, y2, w, h, score) + category[cat] + side[side]
 *         + contact[contact]
 * Per frame, a learned [FRAME] token followed by the frame's box tokens
 * (padding masked out as keys) goes through L_s pre-LN transformer blocks;
 * the [FRAME] token's output, plus a learned position embedding of the
 * frame, is the frame's token for L_t bidirectional blocks over the clip's
 * T frames. The mean over frames, layer-normed, feeds one linear classifier
 * per head:
 *
 *   boxes (N, T, B, 7) -> tokens (N*T, 1 + B, d) -> [block] x L_s
 *     -> [FRAME] outputs (N, T, d) + pos (T, d) -> [block] x L_t
 *     -> mean over T (N, d) -> LayerNorm -> dropout -> linear per head
 *   block(x) = x + proj(attn(LN1(x))); then x + fc2(gelu(fc1(LN2(x))))
 *
 * A block is torch.nn.TransformerEncoderLayer with norm_first=True and
 * GELU, and the tensor names follow the PyTorch reference's state_dict
 * (models/reference/stlt.py), so a model file loads in both.
 *
 * Padded boxes never enter the computation: their features and kinds are
 * replaced by zeros before the first layer, and as keys they are masked, so
 * whatever a padded slot holds, the logits are the same.
 */
#ifndef EGO_STLT_H
#define EGO_STLT_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "dataset.h"
#include "modelmeta.h"
#include "rng.h"
#include "tsmnet.h"             /* EgoNetTensor */

#define EGO_STLT_FEATS 7        /* x1, y1, x2, y2, w, h, score */
#define EGO_STLT_IDS 3          /* category, side, contact */
#define EGO_STLT_MAX_BOXES 16   /* box slots per frame */
#define EGO_STLT_MAX_FRAMES 256
#define EGO_STLT_LN_EPS 1e-5f

/* vocabularies of the three kinds; 0 is also what padding holds */
#define EGO_STLT_CATEGORIES 3   /* 0 padding, 1 hand, 2 object */
#define EGO_STLT_SIDES 3        /* 0 none, 1 left, 2 right */
#define EGO_STLT_CONTACTS 2     /* 0 no contact, 1 contact */

typedef struct
{
  int dim;                      /* d, the token width */
  int attn_heads;               /* attention heads, dividing d */
  int spatial_layers;           /* L_s >= 1 */
  int temporal_layers;          /* L_t >= 0 */
  int mlp;                      /* hidden width of the blocks' MLPs */
  int max_boxes;                /* box slots per frame, B */
  int max_frames;               /* rows of the temporal position embedding */
  float dropout;                /* before the classifiers, training only */
  int n_heads;
  int classes[EGO_MAX_HEADS];
} EgoStltConfig;

/* A batch of n clips of t frames with b box slots per frame. */
typedef struct
{
  int n, t, b;
  float *feat;                  /* (n, t, b, EGO_STLT_FEATS) */
  int32_t *ids;                 /* (n, t, b, EGO_STLT_IDS) */
  uint8_t *mask;                /* (n, t, b): 1 a box, 0 padding */
} EgoStltInput;

typedef struct _EgoStlt EgoStlt;

/* d = 64, 4 attention heads, L_s = 1, L_t = 2, MLP 2d, 16 boxes, 32
 * frames, no dropout; heads left to the caller (n_heads = 0). */
void ego_stlt_config_default (EgoStltConfig * cfg);
gboolean ego_stlt_check_config (const EgoStltConfig * cfg, GError ** error);

/* -- input --------------------------------------------------------------- */
/* A zeroed batch (every slot padding); n, t, b >= 1, b <= 16. */
EgoStltInput *ego_stlt_input_new (int n, int t, int b);
void ego_stlt_input_free (EgoStltInput * in);
/* Fill the slots of one frame from its boxes (coordinates normalised by
 * the frame size): features x1, y1, x2, y2, x2 - x1, y2 - y1, score; ids
 * category + 1, side, contact; the rest of the slots padding. When there
 * are more boxes than slots, hands come first, then the higher scores.
 * Returns the number of boxes kept. */
int ego_stlt_input_set_frame (EgoStltInput * in, int clip, int frame,
    const EgoBox * boxes, int n_boxes);

/* -- the network --------------------------------------------------------- */
/* Build a network with seeded N(0, 1/fan_in) weights and embeddings,
 * zero biases, unit layer norms. */
EgoStlt *ego_stlt_new (const EgoStltConfig * cfg, uint64_t seed,
    GError ** error);
void ego_stlt_free (EgoStlt * net);
const EgoStltConfig *ego_stlt_config (const EgoStlt * net);

/* Parameters in a fixed order (the file order); all trainable. decay is
 * set on the linear layers' weights only (not on embeddings, tokens,
 * positions, norms or biases). */
int ego_stlt_n_tensors (const EgoStlt * net);
EgoNetTensor *ego_stlt_tensor (EgoStlt * net, int i);
EgoNetTensor *ego_stlt_find (EgoStlt * net, const char *name);
/* parameters and their gradients, each one contiguous block of n floats */
float *ego_stlt_params (EgoStlt * net, size_t * n);
float *ego_stlt_grads (EgoStlt * net, size_t * n);
void ego_stlt_zero_grad (EgoStlt * net);

/* Multiply-adds x 2 of the matrix products and attention of one clip of t
 * frames with b box slots (padding costs as much as a box). */
double ego_stlt_flops (const EgoStltConfig * cfg, int t, int b);

/* -- forward and backward ------------------------------------------------ */
/* Forward over a batch (in->t <= max_frames, in->b <= max_boxes), keeping
 * what backward needs; activations grow on demand. train applies dropout
 * (rng then needed when dropout > 0). Fails on a batch out of range or an
 * id out of its vocabulary in a box slot. */
gboolean ego_stlt_forward (EgoStlt * net, const EgoStltInput * in,
    gboolean train, EgoRng * rng, GError ** error);
/* (n, classes) logits of head, from the last forward */
float *ego_stlt_logits (EgoStlt * net, int head);
/* (n, classes) gradient of the loss w.r.t. the logits, zeroed by forward,
 * filled by the caller before ego_stlt_backward */
float *ego_stlt_dlogits (EgoStlt * net, int head);
/* Adds the gradients of the last forward into the parameter gradients and,
 * unless NULL, into dfeat (n, t, b, EGO_STLT_FEATS) (zero for padding). */
void ego_stlt_backward (EgoStlt * net, float *dfeat);

/* -- files --------------------------------------------------------------- */
/* arch of the model file's metadata: {"type": "stlt", "dim", "attn_heads",
 * "spatial_layers", "temporal_layers", "mlp", "max_boxes", "max_frames",
 * "dropout"}; the heads' class counts come from their labels. */
gboolean ego_stlt_config_from_meta (EgoStltConfig * cfg,
    const EgoModelMeta * meta, const char *name, GError ** error);
JsonObject *ego_stlt_config_to_arch (const EgoStltConfig * cfg);
/* Load a layout model file: modality "layout", input.frames <= max_frames,
 * every tensor present with its shape, nothing extra. */
EgoStlt *ego_stlt_load (const char *path, EgoModelMeta * meta,
    GError ** error);
EgoStlt *ego_stlt_load_bytes (const char *name, GBytes * bytes,
    EgoModelMeta * meta, GError ** error);
/* Write the weights with meta (modality "layout", heads matching the
 * network; its arch replaced by this network's), atomically. The network
 * reads nothing of meta's input but frames (<= max_frames); the size is
 * best the source frames' and mean, std [0], [1]. */
gboolean ego_stlt_save (EgoStlt * net, const EgoModelMeta * meta,
    const char *path, GError ** error);

#endif /* EGO_STLT_H */

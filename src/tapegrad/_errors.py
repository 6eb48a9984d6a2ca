"""PyTorch's error messages, word for word, as named constants.

Learners paste these into a web search; the text must be PyTorch's so the answers they find apply.
"""

IMPLICIT_GRAD_NONSCALAR = "grad can be implicitly created only for scalar outputs"
BACKWARD_TWICE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)
REQUIRES_GRAD_NONLEAF = (
    "you can only change requires_grad flags of leaf variables. If you want to use a computed variable "
    "in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
)
REQUIRES_GRAD_NONLEAF_SHORT = "you can only change requires_grad flags of leaf variables."
INTEGER_REQUIRES_GRAD = "Only Tensors of floating point and complex dtype can require gradients"
INTEGER_REQUIRES_GRAD_METHOD = "only Tensors of floating point dtype can require gradients"  # requires_grad_()
NO_GRAD_FN = "element {index} of tensors does not require grad and does not have a grad_fn"
LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF_INPLACE = (
    "a view of a leaf Variable that requires grad is being used in an in-place operation."
)
MODIFIED_INPLACE = (
    "one of the variables needed for gradient computation has been modified by an inplace operation: "
    "[{type_name} [{shape}]]{producer} is at version {version}; expected version {expected} instead. "
    "Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
    "torch.autograd.set_detect_anomaly(True, check_nan=False)."
)
NUMPY_REQUIRES_GRAD = "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
ITEM_NOT_ONE = "a Tensor with {numel} elements cannot be converted to Scalar"
UNUSED_INPUT = (
    "The differentiated Tensor at index {index} appears to not have been used in the graph. "
    "Set allow_unused=True if this is the desired behavior."
)
NOT_REQUIRING_GRAD_INPUT = "One of the differentiated Tensors does not require grad"
GRAD_SHAPE_MISMATCH = ("Mismatch in shape: grad_output[{index}] has a shape of {grad_shape} and output[{index}] "
                       "has a shape of {out_shape}.")
BOOL_AMBIGUOUS = "Boolean value of Tensor with more than one value is ambiguous"
BROADCAST_MISMATCH = (
    "The size of tensor a ({a}) must match the size of tensor b ({b}) at non-singleton dimension {dim}"
)
VIEW_INCOMPATIBLE = (
    "view size is not compatible with input tensor's size and stride (at least one dimension spans "
    "across two contiguous subspaces). Use .reshape(...) instead."
)
SHAPE_INVALID = "shape '{shape}' is invalid for input of size {numel}"
MM_SHAPES = "mat1 and mat2 shapes cannot be multiplied ({a} and {b})"
NONLEAF_GRAD_ACCESS = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
    "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
    "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor "
    "by mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 "
    "for more information."
)
INFERENCE_SAVED = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in inference mode in "
    "computation tracked by autograd. To work around this, you can make a clone to get a normal tensor and use "
    "it in autograd, or use `torch.no_grad()` instead of `torch.inference_mode()`."
)
INFERENCE_REQUIRES_GRAD = "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed."
INFERENCE_INPLACE = (
    "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a clone to get a "
    "normal tensor before doing inplace update.See https://github.com/pytorch/rfcs/pull/17 for more details."
)

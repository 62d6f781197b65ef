/**
 * tsfine's own change to tfjs-node's binding source (binding/tfjs_backend.cc), applied by
 * `tsfine backend install` before node-gyp builds it.
 *
 * Why: TensorFlow's fused kernels are what make Keras's convolutions cheap (`_FusedConv2D` runs
 * a convolution, its bias or BatchNorm and its ReLU/ReLU6 in one pass over the output), and
 * calling them needs two attribute kinds tfjs-node's executeOp cannot pass: a list of strings
 * (`fused_ops: ["BiasAdd", "Relu6"]`) and a list of types (`TArgs`, the types of the extra
 * inputs; TensorFlow does not infer it because the binding adds inputs one at a time). The
 * binding's AssignOpAttr already takes a JavaScript array for int, float and bool attributes;
 * the patch makes string and type attributes take one too, through the C API's
 * TFE_OpSetAttrStringList and TFE_OpSetAttrTypeList. A single value works as before.
 *
 * The change is inserted at two anchors in AssignOpAttr; if tfjs-node's source ever differs
 * there, the install stops with a sentence saying so rather than build a binding without it.
 */

/** Bumped whenever the binding's build changes; an install built at another revision is rebuilt. */
export const BINDING_REVISION = 2;

/** Marks a patched source, so applying twice changes nothing. */
const MARKER = "// tsfine: list(string) and list(type) attributes";

const STRING_ANCHOR = "    case TF_ATTR_STRING: {\n";
const STRING_LIST = `${STRING_ANCHOR}      ${MARKER}
      if (IsArray(env, nstatus, &js_value)) {
        uint32_t length;
        nstatus = napi_get_array_length(env, js_value, &length);
        ENSURE_NAPI_OK(env, nstatus);
        std::vector<std::string> strings(length);
        std::vector<const void *> values(length);
        std::vector<size_t> lengths(length);
        for (uint32_t i = 0; i < length; ++i) {
          napi_value element;
          nstatus = napi_get_element(env, js_value, i, &element);
          ENSURE_NAPI_OK(env, nstatus);
          nstatus = GetStringParam(env, element, strings[i]);
          ENSURE_NAPI_OK(env, nstatus);
          values[i] = strings[i].data();
          lengths[i] = strings[i].size();
        }
        TFE_OpSetAttrStringList(tfe_op, attr_name, values.data(), lengths.data(), static_cast<int>(length));
        break;
      }
`;

const TYPE_ANCHOR = "    case TF_ATTR_TYPE: {\n";
const TYPE_LIST = `${TYPE_ANCHOR}      if (IsArray(env, nstatus, &js_value)) {
        uint32_t length;
        nstatus = napi_get_array_length(env, js_value, &length);
        ENSURE_NAPI_OK(env, nstatus);
        std::vector<TF_DataType> types(length);
        for (uint32_t i = 0; i < length; ++i) {
          napi_value element;
          nstatus = napi_get_element(env, js_value, i, &element);
          ENSURE_NAPI_OK(env, nstatus);
          int32_t value;
          nstatus = napi_get_value_int32(env, element, &value);
          ENSURE_NAPI_OK(env, nstatus);
          types[i] = static_cast<TF_DataType>(value);
        }
        TFE_OpSetAttrTypeList(tfe_op, attr_name, types.data(), static_cast<int>(length));
        break;
      }
`;

const INCLUDE_ANCHOR = "#include <string>\n";

/** The patched text of tfjs_backend.cc; throws with one sentence if an anchor is missing. */
export function patchBindingSource(source: string): string {
  if (source.includes(MARKER)) return source;
  for (const [anchor, what] of [
    [STRING_ANCHOR, "the string case of AssignOpAttr"],
    [TYPE_ANCHOR, "the type case of AssignOpAttr"],
    [INCLUDE_ANCHOR, "its #include <string>"],
  ]) {
    if (source.split(anchor).length !== 2) {
      throw new Error(`tfjs-node's binding/tfjs_backend.cc does not have ${what} where tsfine's patch expects it; this tfjs-node version is not supported.`);
    }
  }
  return source.replace(INCLUDE_ANCHOR, `${INCLUDE_ANCHOR}#include <vector>\n`).replace(STRING_ANCHOR, STRING_LIST).replace(TYPE_ANCHOR, TYPE_LIST);
}

/** Whether a binding source already carries the patch. */
export function isPatched(source: string): boolean {
  return source.includes(MARKER);
}

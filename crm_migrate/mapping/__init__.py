"""Column -> field mapping: suggestions, transforms and profiles.

Public API: suggest.suggest_mappings / guess_object / Suggestion, profile.load_profile /
save_profile / profile_from_dict, validate.validate_profile, build.build_profile,
transforms.TRANSFORMS / parse_transforms / suggest_value_map (the transforms run in
clean.transforms.apply_transforms).
"""

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """Look up a key in a dict from a template: {{ labels|get_item:value }}."""
    return mapping.get(key)

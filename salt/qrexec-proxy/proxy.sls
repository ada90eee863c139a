# -*- coding: utf-8 -*-
# vim: set syntax=yaml ts=2 sw=2 sts=2 et :
##
# qrexec-proxy.proxy
# ==================
#
# In the proxy qube (proxy:name of the pillar qrexec-proxy):
#   - the chains of proxy:chains go to
#     /usr/local/etc/qubes-qrexec-proxy/chains.d/salt.json, the chains of
#     this qube only, kept across reboots. No chains: no salt.json.
#   - the transparent routes of the pillar go to
#     /usr/local/etc/qubes-qrexec-proxy/routes.d/salt.json. No transparent
#     routes: no salt.json there.
#     Each new file takes effect only once `qrexec-proxy-admin check` accepts
#     the whole config as the service will read it with the new files in
#     place (files/check-config, run by Salt on the candidate before it
#     replaces the file): the chains are checked with the routes that are to
#     name them, the routes with the chains in place.
#   - the chains the routes name must then be defined in this qube (from the
#     template's config or from salt.json): files/check-route-chains.
#   - the services of the transparent routes get their entries,
#     /usr/local/etc/qubes-rpc/SERVICE (`qrexec-proxy-admin route enable`), so
#     that this qube answers them; entries the admin CLI made for services no
#     route names any more are removed (`route disable`): files/route-entries.
# The package comes from the template (state qrexec-proxy.template).
#
# Execute (in dom0):
#   qubesctl top.enable qrexec-proxy.proxy
#   qubesctl --skip-dom0 --targets=PROXY state.apply
##
{%- from "qrexec-proxy/settings.jinja" import qrexec_proxy with context %}
{%- set template_dir = '/etc/qubes-qrexec-proxy' %}
{%- set qube_dir = '/usr/local/etc/qubes-qrexec-proxy' %}
{%- set entry_dir = '/usr/local/etc/qubes-rpc' %}
{%- set service_binary = '/usr/lib/qubes-qrexec-proxy/qrexec-proxy' %}
{%- set salt_file = 'salt.json' %}
{%- set helpers = '/run/qubes-qrexec-proxy-salt' %}
{%- set next_routes = helpers ~ '/routes.json' %}
{%- set chains = {'description': 'Managed by Salt: the state qrexec-proxy.proxy writes this file from the pillar qrexec-proxy:proxy:chains. Edit the pillar, not this file.'} %}
{%- do chains.update(qrexec_proxy.proxy.chains) %}
{%- set route_chains = [] %}
{%- set routes = [] %}
{%- set services = [] %}
{%- for route in qrexec_proxy.routes %}
{%- if route.chain not in route_chains %}
{%- do route_chains.append(route.chain) %}
{%- endif %}
{%- if route.transparent %}
{%- do routes.append({
      'source': route.source,
      'service': route.service,
      'target': route.target,
      'chain': route.chain,
      'description': 'Managed by Salt: the state qrexec-proxy.proxy writes this route from the pillar qrexec-proxy:routes[' ~ route.index ~ ']. Edit the pillar, not this file.',
    }) %}
{%- if route.service not in services %}
{%- do services.append(route.service) %}
{%- endif %}
{%- endif %}
{%- endfor %}

# The checks run from a directory of root's that is gone at the next boot.
{%- for helper in ['check-config', 'check-route-chains', 'route-entries'] %}

qrexec-proxy-{{ helper }}:
  file.managed:
    - name: {{ helpers }}/{{ helper }}
    - source: salt://qrexec-proxy/files/{{ helper }}
    - user: root
    - group: root
    - mode: '0700'
    - makedirs: True
    - dir_mode: '0700'
{%- endfor %}
{%- for dir in ['chains.d', 'routes.d'] %}

qrexec-proxy-{{ dir.split('.')[0] }}-dir:
  file.directory:
    - name: {{ qube_dir }}/{{ dir }}
    - user: root
    - group: root
    - dir_mode: '0755'
    - makedirs: True
{%- endfor %}
{%- if routes %}

# The next routes file, for the check of the chains, which must hold with it.
qrexec-proxy-next-routes:
  file.managed:
    - name: {{ next_routes }}
    - user: root
    - group: root
    - mode: '0600'
    - makedirs: True
    - dir_mode: '0700'
    - contents: |
        {{ routes|tojson(indent=2)|indent(8) }}
{%- endif %}
{%- if qrexec_proxy.proxy.chains %}

qrexec-proxy-chains:
  file.managed:
    - name: {{ qube_dir }}/chains.d/{{ salt_file }}
    - user: root
    - group: root
    - mode: '0644'
    - check_cmd: /bin/sh {{ helpers }}/check-config {{ template_dir }} {{ qube_dir }} routes.d/{{ salt_file }}={{ next_routes if routes else '' }} chains.d/{{ salt_file }}
    - contents: |
        {{ chains|tojson(indent=2)|indent(8) }}
    - require:
      - file: qrexec-proxy-check-config
      - file: qrexec-proxy-chains-dir
{%- if routes %}
      - file: qrexec-proxy-next-routes
{%- endif %}
{%- else %}

qrexec-proxy-chains:
  file.absent:
    - name: {{ qube_dir }}/chains.d/{{ salt_file }}
{%- endif %}
{%- if routes %}

qrexec-proxy-routes:
  file.managed:
    - name: {{ qube_dir }}/routes.d/{{ salt_file }}
    - user: root
    - group: root
    - mode: '0644'
    - check_cmd: /bin/sh {{ helpers }}/check-config {{ template_dir }} {{ qube_dir }} routes.d/{{ salt_file }}
    - contents: |
        {{ routes|tojson(indent=2)|indent(8) }}
    - require:
      - file: qrexec-proxy-check-config
      - file: qrexec-proxy-routes-dir
      - file: qrexec-proxy-chains
{%- else %}

qrexec-proxy-routes:
  file.absent:
    - name: {{ qube_dir }}/routes.d/{{ salt_file }}
    - require:
      - file: qrexec-proxy-chains
{%- endif %}
{%- if route_chains %}

qrexec-proxy-route-chains:
  cmd.run:
    - name: /bin/sh {{ helpers }}/check-route-chains {{ template_dir }} {{ qube_dir }} {{ route_chains|join(' ') }}
    - stateful: True
    - require:
      - file: qrexec-proxy-check-route-chains
      - file: qrexec-proxy-chains-dir
      - file: qrexec-proxy-chains
      - file: qrexec-proxy-routes
{%- endif %}

qrexec-proxy-entries:
  cmd.run:
    - name: /usr/bin/python3 {{ helpers }}/route-entries {{ template_dir }} {{ qube_dir }} {{ entry_dir }} {{ service_binary }}{% for service in services %} {{ service }}{% endfor %}
    - stateful: True
    - require:
      - file: qrexec-proxy-route-entries
      - file: qrexec-proxy-routes
{%- if route_chains %}
      - cmd: qrexec-proxy-route-chains
{%- endif %}

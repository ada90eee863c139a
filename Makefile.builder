# qubes-builder (v1): what this component builds for each package set.
# dom0: the dom0 package; vm: the package for the proxy qube's template.
ifeq ($(PACKAGE_SET),dom0)
RPM_SPEC_FILES := rpm_spec/qubes-qrexec-proxy-dom0.spec
else ifeq ($(PACKAGE_SET),vm)
RPM_SPEC_FILES := rpm_spec/qubes-qrexec-proxy.spec
ifneq ($(filter $(DISTRIBUTION), debian qubuntu),)
DEBIAN_BUILD_DIRS := debian
endif
endif

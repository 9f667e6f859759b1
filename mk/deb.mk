# SPDX-License-Identifier: MIT
# deb.mk: make deb, opt-in: the Debian packages (debian/) built with
# dpkg-buildpackage -us -uc -b from a copy of the tree under
# $(BUILD)/deb, so that the .debs (written beside the source tree) land
# in $(BUILD)/deb and nothing outside the tree; then lintian.

DEB_DIR = $(BUILD)/deb
DEB_SRC = $(DEB_DIR)/rvirt-$(RVIRT_VERSION)

.PHONY: deb
deb:
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_SRC)
	git ls-files -z | tar --null -T - -cf - | tar -xf - -C $(DEB_SRC)
	cd $(DEB_SRC) && dpkg-buildpackage -us -uc -b
	lintian --fail-on error $(DEB_DIR)/*.changes
	@ls $(DEB_DIR)/*.deb

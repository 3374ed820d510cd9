// Project overlay of sao (installed by scripts/install_sao.sh): the product
// shows its own name, not "Tryton", in the title and the login dialog.
(function() {
    'use strict';
    var NAME = '医用耗材精细化管理系统';
    Sao.config.title = NAME;
    document.title = NAME;
    jQuery(function() {
        jQuery('#title').text(NAME);
    });
}());
